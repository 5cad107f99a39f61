// A hand-written LanguageModelV3 test double (scripted stream parts; not the simulated model) and the
// small builders the streamTurn tests share.
import { APICallError } from '@ai-sdk/provider';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import type { TurnHandlers } from '../../src/models/stream-turn.ts';
import { userMessage } from '../../src/models/conversation.ts';

/** Marks where a scripted stream stops until the test calls `model.resume()` (one network chunk after another). */
export const GAP = Symbol('gap');
export type Step = LanguageModelV3StreamPart | typeof GAP;

/** What one doStream call does: reject, never answer, or stream parts and then close, error or hang. */
export type Attempt =
  | { reject: unknown }
  | { never: true }
  | { parts: Step[]; end?: 'close' | 'hang' | { error: unknown } };

/**
 * A hand-written LanguageModelV3: each doStream call plays the next scripted attempt. It
 * records every call's options and every reason its streams were cancelled with.
 */
export class ScriptedModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'scripted';
  readonly modelId = 'scripted-1';
  readonly supportedUrls = {};
  readonly calls: LanguageModelV3CallOptions[] = [];
  readonly cancelled: unknown[] = [];
  readonly #attempts: Attempt[];
  #resume: (() => void) | undefined;

  constructor(attempts: Attempt[]) {
    this.#attempts = attempts;
  }

  /** Lets the current stream go on past its next GAP. */
  resume(): void {
    this.#resume?.();
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    this.calls.push(options);
    const attempt = this.#attempts[this.calls.length - 1];
    if (!attempt) throw new Error(`no attempt scripted for call ${this.calls.length}`);
    if ('reject' in attempt) throw attempt.reject;
    if ('never' in attempt) return new Promise<never>(() => {});
    const steps = [...attempt.parts];
    const end = attempt.end ?? 'close';
    return {
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start: (controller) => {
          const play = () => {
            for (let step = steps.shift(); step !== undefined; step = steps.shift()) {
              if (step === GAP) return;
              controller.enqueue(step);
            }
            if (end === 'close') controller.close();
            else if (end !== 'hang') controller.error(end.error);
          };
          this.#resume = play;
          play();
        },
        cancel: (reason) => {
          this.cancelled.push(reason);
        },
      }),
    };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const reader = (await this.doStream(options)).stream.getReader();
    const content: LanguageModelV3Content[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      if (read.value.type === 'text-delta') content.push({ type: 'text', text: read.value.delta });
      if (read.value.type === 'tool-call') content.push(read.value);
    }
    return { content, finishReason: { unified: 'stop', raw: undefined }, usage: usage(0, 0), warnings: [] };
  }
}

export function usage(input: number, output: number) {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

export const finish = (input = 7, output = 3): LanguageModelV3StreamPart => ({ type: 'finish', usage: usage(input, output), finishReason: { unified: 'stop', raw: 'stop' } });
export const text = (delta: string, id = 't0'): LanguageModelV3StreamPart => ({ type: 'text-delta', id, delta });
export const reasoning = (delta: string, id = 'r0'): LanguageModelV3StreamPart => ({ type: 'reasoning-delta', id, delta });
export const toolCall = (toolCallId: string, toolName: string, input: string): LanguageModelV3StreamPart => ({ type: 'tool-call', toolCallId, toolName, input });
export const serverError = (headers?: Record<string, string>) => new APICallError({
  message: 'Service Unavailable', url: 'https://model.test/v1', requestBodyValues: {}, statusCode: 503, isRetryable: true,
  ...(headers && { responseHeaders: headers }),
});
export const request = { system: 'You are Ada, an analyst.', messages: [userMessage('Count the apples')] };
/** Retries that wait a millisecond or two, so tests do not sit in backoff. */
export const fastRetry = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 2 };

/** Handlers that log what they were called with, in order. */
export function recording(extra: TurnHandlers = {}) {
  const log: string[] = [];
  const retries: Array<{ retry: number; delayMs: number; error: unknown }> = [];
  const handlers: TurnHandlers = {
    onTextDelta: (d) => { log.push(`text:${d}`); extra.onTextDelta?.(d); },
    onReasoningDelta: (d) => { log.push(`reasoning:${d}`); extra.onReasoningDelta?.(d); },
    onIdle: () => { log.push('idle'); extra.onIdle?.(); },
    onRetry: (info) => { retries.push(info); extra.onRetry?.(info); },
  };
  return { log, retries, handlers };
}
