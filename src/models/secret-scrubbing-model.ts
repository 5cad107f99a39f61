import { APICallError } from '@ai-sdk/provider';
import { mentionsSecret as mentions, redactSecrets as scrubText } from '../errors/secret-redaction.ts';

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
