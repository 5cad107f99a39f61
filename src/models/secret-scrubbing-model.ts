import { APICallError } from '@ai-sdk/provider';
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart, LanguageModelV3StreamResult } from '@ai-sdk/provider';

const REDACTED = '[redacted]';

function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

function mentions(text: string | undefined, secrets: readonly string[]): boolean {
  return text !== undefined && secrets.some((s) => text.includes(s));
}

/**
 * An error as it may be shown: a provider (or a hostile proxy) can echo the key back in its
 * message or body, so any text holding one is rebuilt without it. An APICallError stays one,
 * with its status, headers and retryability, since streamTurn's retry reads them.
 */
export function scrubError(err: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return err;
  if (APICallError.isInstance(err)) {
    if (!mentions(err.message, secrets) && !mentions(err.responseBody, secrets) && !mentions(String(err.cause ?? ''), secrets)) return err;
    return new APICallError({
      message: scrubText(err.message, secrets),
      url: err.url,
      requestBodyValues: err.requestBodyValues,
      ...(err.statusCode !== undefined && { statusCode: err.statusCode }),
      ...(err.responseHeaders && { responseHeaders: err.responseHeaders }),
      ...(err.responseBody !== undefined && { responseBody: scrubText(err.responseBody, secrets) }),
      isRetryable: err.isRetryable,
    });
  }
  if (err instanceof Error) {
    if (!mentions(err.message, secrets) && !mentions(err.stack, secrets)) return err;
    const clean = new Error(scrubText(err.message, secrets));
    clean.name = err.name;
    return clean;
  }
  const text = typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
  return mentions(text, secrets) ? new Error(scrubText(text, secrets)) : err;
}

/**
 * The same model, whose errors (thrown, streamed as parts, or erroring the stream) never carry a
 * secret. `secrets` is read when an error is scrubbed, not copied: credentials resolved at call
 * time (Bedrock's AWS chain) are added to it later, so even an empty list gets the wrapper.
 */
export function secretScrubbingModel(inner: LanguageModelV3, secrets: readonly string[]): LanguageModelV3 {
  const doStream = async (options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> => {
    let result: LanguageModelV3StreamResult;
    try {
      result = await inner.doStream(options);
    } catch (err) {
      throw scrubError(err, secrets);
    }
    const reader = result.stream.getReader();
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      async pull(controller) {
        let read: Awaited<ReturnType<typeof reader.read>>;
        try {
          read = await reader.read();
        } catch (err) {
          controller.error(scrubError(err, secrets));
          return;
        }
        if (read.done) controller.close();
        else controller.enqueue(read.value.type === 'error' ? { ...read.value, error: scrubError(read.value.error, secrets) } : read.value);
      },
      // Cancelling the outer stream closes the provider's connection.
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    return { ...result, stream };
  };
  return {
    specificationVersion: 'v3',
    provider: inner.provider,
    modelId: inner.modelId,
    supportedUrls: inner.supportedUrls,
    doGenerate: async (options) => {
      try {
        return await inner.doGenerate(options);
      } catch (err) {
        throw scrubError(err, secrets);
      }
    },
    doStream,
  };
}
