import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3StreamPart,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import { toPrompt, type ConversationMessage } from './conversation.ts';
import { describeError, TurnBuilder, type BuiltTurn, type TurnToolCall } from './turn-builder.ts';
import { abortErrorOf, DEFAULT_RETRY, isRetryable, retryDelayMs, waitBeforeRetry, type RetryPolicy } from './model-retry.ts';

/** One model call: the conversation so far and how to call. */
export interface TurnRequest {
  system?: string;
  messages: readonly ConversationMessage[];
  tools?: LanguageModelV3FunctionTool[];
  temperature?: number;
  maxOutputTokens?: number;
  topP?: number;
  /** Read by the provider whose key it is (`simulated`, `openai`, …), passed through untouched. */
  providerOptions?: SharedV3ProviderOptions;
  retry?: RetryPolicy;
  /** An attempt that gets no stream part (nor its response) for this long is aborted with an error. */
  idleTimeoutMs?: number;
}

export interface TurnHandlers {
  onTextDelta?(delta: string): void;
  onReasoningDelta?(delta: string): void;
  /**
   * The stream has nothing more buffered and deltas were delivered since the last call: the
   * moment to pass on what they produced, as one batch, before the reader waits.
   */
  onIdle?(): void;
  /** A call that failed before any output is about to be retried after `delayMs`. */
  onRetry?(info: { retry: number; delayMs: number; error: unknown }): void;
}

export type { TurnToolCall };

export interface TurnResult extends BuiltTurn {
  durationMs: number;
  /** Attempts made (1 unless a failure before output was retried). */
  attempts: number;
}

/** Why an attempt ended in failure, and whether anything had come out of it by then. */
class AttemptFailure {
  readonly error: unknown;
  readonly outputStarted: boolean;
  constructor(error: unknown, outputStarted: boolean) {
    this.error = error;
    this.outputStarted = outputStarted;
  }
}

/**
 * One streamed model call through the language-model interface itself (`doStream`): the seam
 * every provider plugs into, with none of the SDK's stream layers on the way. Parts are read
 * by one reader loop; deltas go to the handlers as they come. An error before any output is
 * retried when retryable (bounded, with backoff and jitter, never sooner than a retry-after asks); once output
 * has started it is not, since its deltas are already out. An abort rejects at once with an
 * AbortError and cancels the stream.
 */
export async function streamTurn(model: LanguageModelV3, request: TurnRequest, handlers: TurnHandlers = {}, signal?: AbortSignal): Promise<TurnResult> {
  const started = performance.now();
  const policy = { ...DEFAULT_RETRY, ...request.retry };
  const options = callOptions(request);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortErrorOf(signal);
    const idle = request.idleTimeoutMs === undefined ? undefined : new IdleWatch(request.idleTimeoutMs);
    const callSignal = idle ? (signal ? AbortSignal.any([signal, idle.signal]) : idle.signal) : signal;
    try {
      const result = await attemptTurn(model, { ...options, ...(callSignal && { abortSignal: callSignal }) }, handlers, signal, idle)
        .finally(() => idle?.stop());
      return { ...result, durationMs: Math.round(performance.now() - started), attempts: attempt };
    } catch (failure) {
      if (!(failure instanceof AttemptFailure)) throw failure;
      const { error, outputStarted } = failure;
      if (signal?.aborted) throw abortErrorOf(signal);
      if (outputStarted || attempt > policy.maxRetries || !isRetryable(error)) throw error;
      const delayMs = retryDelayMs(policy, attempt - 1, error);
      if (delayMs === undefined) throw error;
      handlers.onRetry?.({ retry: attempt, delayMs, error });
      await waitBeforeRetry(delayMs, signal);
    }
  }
}

/** A provider that stops sending: no part for `ms` (or no response at all). */
export class StreamIdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`no response from the model for ${ms} ms (stream idle timeout)`);
    this.name = 'StreamIdleTimeoutError';
  }
}

/**
 * Watches one attempt: fires when nothing arrived for its timeout, aborting the provider's
 * request (its fetch sees the signal) so the call ends with an error instead of hanging.
 */
class IdleWatch {
  readonly #ms: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #onFire: (() => void) | undefined;
  // Made when first needed: an Error captures a stack, and almost every call ends without one.
  #error: StreamIdleTimeoutError | undefined;

  constructor(ms: number) {
    this.#ms = ms;
    this.#timer = setTimeout(() => {
      this.#controller.abort(this.error);
      this.#onFire?.();
    }, ms);
  }

  get error(): StreamIdleTimeoutError {
    this.#error ??= new StreamIdleTimeoutError(this.#ms);
    return this.#error;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get fired(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Called once when it fires (or at once if it already has). */
  onFire(fn: () => void): void {
    this.#onFire = fn;
    if (this.fired) fn();
  }

  /** Something arrived: the wait starts over. */
  touch(): void {
    this.#timer.refresh();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#onFire = undefined;
  }
}

function callOptions(request: TurnRequest): LanguageModelV3CallOptions {
  const tools = request.tools?.length ? request.tools : undefined;
  return {
    prompt: toPrompt(request.system, request.messages),
    ...(tools && { tools, toolChoice: { type: 'auto' as const } }),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.maxOutputTokens !== undefined && { maxOutputTokens: request.maxOutputTokens }),
    ...(request.topP !== undefined && { topP: request.topP }),
    ...(request.providerOptions && { providerOptions: request.providerOptions }),
  };
}

/** The call's stream; an abort while the provider has not answered yet rejects at once. */
async function openStream(
  model: LanguageModelV3, options: LanguageModelV3CallOptions, signal: AbortSignal | undefined, idle: IdleWatch | undefined,
): Promise<ReadableStream<LanguageModelV3StreamPart>> {
  // A provider that throws instead of rejecting fails the same way.
  const call = (async () => model.doStream(options))();
  if (!signal && !idle) return (await call).stream;
  const { promise: aborted, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(abortErrorOf(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  idle?.onFire(() => reject(idle.error));
  try {
    return (await Promise.race([call, aborted])).stream;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted || idle?.fired) {
      const reason = signal?.aborted ? abortErrorOf(signal) : idle!.error;
      // Abandoned: a stream that still arrives is cancelled; the call's own rejection (the
      // provider saw the same signal) has no caller left to go to, which already has the abort.
      call.then((late) => late.stream.cancel(reason), () => undefined).catch(() => undefined);
    }
  }
}

async function attemptTurn(
  model: LanguageModelV3, options: LanguageModelV3CallOptions, handlers: TurnHandlers, signal: AbortSignal | undefined,
  idle: IdleWatch | undefined,
): Promise<BuiltTurn> {
  let stream: ReadableStream<LanguageModelV3StreamPart>;
  try {
    stream = await openStream(model, options, signal, idle);
  } catch (err) {
    throw new AttemptFailure(err, false);
  }
  const reader = stream.getReader();
  const turn = new TurnBuilder();
  // Resolves with the cancel's failure, if any: looked at once the loop is over.
  let cancelling: Promise<unknown> | undefined;
  const cancel = (reason: unknown) => reader.cancel(reason).then(() => undefined, (err: unknown) => err ?? new Error('cancel failed'));
  const onAbort = () => {
    // Settles the pending read as done at once; the loop then rejects with the AbortError.
    cancelling = cancel(abortErrorOf(signal!));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort(); // aborted in the moment between the stream's arrival and here
  // A stall settles the pending read as done, like an abort; the loop then throws the idle error.
  idle?.onFire(() => {
    cancelling ??= cancel(idle.error);
  });
  let delivered = false; // deltas went to the handlers since the last onIdle
  // onIdle runs after the current macrotask: a provider's stream is a pipeline of transform
  // streams, so the parts of one network chunk reach the reader over many microtasks, and by then
  // they have all arrived and go out as one batch. One timer per burst, not a race per part.
  let idleTimer: NodeJS.Immediate | null = null;
  let idleFailure: { error: unknown } | undefined;
  const onIdleTick = () => {
    idleTimer = null;
    if (!delivered || idleFailure) return;
    delivered = false;
    try {
      handlers.onIdle!();
    } catch (error) {
      // Thrown outside the loop: kept, and the read settled as done so the loop ends with it.
      idleFailure = { error };
      cancelling ??= cancel(error);
    }
  };
  const deliver = () => {
    delivered = true;
    if (handlers.onIdle && !idleTimer) idleTimer = setImmediate(onIdleTick);
  };
  let reading = false;
  let closed = false; // the stream ended: nothing to cancel
  let errored = false; // a read rejected: the stream errored, nothing to cancel either
  let failure: unknown;
  try {
    for (;;) {
      reading = true;
      const read = await reader.read();
      reading = false;
      if (idleFailure) throw idleFailure.error;
      if (read.done) {
        closed = true;
        break;
      }
      idle?.touch();
      const part = read.value;
      switch (part.type) {
        case 'text-delta':
          turn.text(part.id, part.delta, part.providerMetadata);
          handlers.onTextDelta?.(part.delta);
          deliver();
          break;
        case 'reasoning-delta':
          turn.reasoning(part.id, part.delta, part.providerMetadata);
          handlers.onReasoningDelta?.(part.delta);
          deliver();
          break;
        case 'text-start':
        case 'text-end':
          turn.text(part.id, '', part.providerMetadata);
          break;
        case 'reasoning-start':
        case 'reasoning-end':
          turn.reasoning(part.id, '', part.providerMetadata);
          break;
        case 'tool-call':
          turn.toolCall(part.toolCallId, part.toolName, part.input, part.providerMetadata);
          break;
        case 'finish':
          turn.finish(part.usage, part.finishReason.unified);
          break;
        case 'error':
          throw part.error instanceof Error ? part.error : new Error(`model stream error: ${describeError(part.error)}`, { cause: part.error });
      }
    }
    if (signal?.aborted) throw abortErrorOf(signal);
    if (idle?.fired) throw idle.error;
  } catch (err) {
    errored = reading;
    // The provider may report the aborted fetch its own way: the stall is the cause.
    failure = idle?.fired && !signal?.aborted ? idle.error : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (idleTimer) clearImmediate(idleTimer);
  }
  // An error part or a failing handler leaves the stream open: cancel it so the provider stops.
  if (!closed && !errored) cancelling ??= cancel(failure);
  const cancelError = await cancelling;
  // An errored stream rejects its cancel with the error already in hand; any other failure to
  // cancel is reported beside the call's own error, never instead of it.
  if (cancelError !== undefined && !errored) {
    failure = failure === undefined ? cancelError : new AggregateError([failure, cancelError], describeError(failure));
  }
  if (failure !== undefined) throw new AttemptFailure(failure, turn.hasOutput);
  return turn.result();
}
