// Deterministic, offline LanguageModelV3 provider. It is the default model and
// the one every test uses, so it behaves like a network provider where it
// matters to callers: token-by-token streaming with real timers, abort errors
// the way fetch reports them, and APICallError failures.
import { APICallError, InvalidArgumentError } from '@ai-sdk/provider';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3ResponseMetadata,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { z } from 'zod';
import { buildScript, prng } from './simulated-script.ts';
import { lastUserText } from './simulated-prompt.ts';
import { tckAnswerOf } from './a2a-tck-scenarios.ts';
import type { ScriptStep } from './simulated-script.ts';

export type SimulatedModelSettings = {
  modelId: string;
  /** Delay before each streamed token. 0 still yields to the event loop per token. */
  tokenDelayMs?: number;
  /** Exact length in words of a worker answer. */
  replyTokens?: number;
  /** Extra pseudo-random 0..jitterMs per token, seeded from the prompt. */
  jitterMs?: number;
  /** Emit a short reasoning block before answering. */
  reasoning?: boolean;
  /** If the last user message contains this, the call throws an APICallError. */
  failMarker?: string;
  /** `a2a-tck`: play the A2A TCK's scenarios, chosen by the run's A2A message id (a2a-tck-scenarios.ts). */
  scenarios?: 'a2a-tck';
  /** The run's client metadata (the A2A message id among it): what `scenarios` chooses by. */
  runMetadata?: Readonly<Record<string, unknown>>;
};

/** Shape of a simulated model row's `params` JSON (snake_case, all optional). */
export const simulatedParamsSchema = z.strictObject({
  token_delay_ms: z.int().min(0).max(10_000).optional(),
  reply_tokens: z.int().min(1).max(10_000).optional(),
  jitter_ms: z.int().min(0).max(10_000).optional(),
  reasoning: z.boolean().optional(),
  // Non-empty: an empty marker would match every prompt.
  fail_marker: z.string().min(1).optional(),
  scenarios: z.literal('a2a-tck').optional(),
});

export type SimulatedParams = z.infer<typeof simulatedParamsSchema>;

/** Per-call options read from `providerOptions.simulated`. */
export const simulatedProviderOptionsSchema = z.object({
  parallelToolCalls: z.boolean().optional(),
  agentName: z.string().min(1).optional(),
  role: z.string().min(1).optional(),
});

export type SimulatedProviderOptions = z.infer<typeof simulatedProviderOptionsSchema>;

/** Maps a model row's params to settings; throws a ZodError naming the bad field. */
export function simulatedSettingsFromParams(modelId: string, params: unknown): SimulatedModelSettings {
  const p = simulatedParamsSchema.parse(params ?? {});
  const settings: SimulatedModelSettings = { modelId };
  if (p.token_delay_ms !== undefined) settings.tokenDelayMs = p.token_delay_ms;
  if (p.reply_tokens !== undefined) settings.replyTokens = p.reply_tokens;
  if (p.jitter_ms !== undefined) settings.jitterMs = p.jitter_ms;
  if (p.reasoning !== undefined) settings.reasoning = p.reasoning;
  if (p.fail_marker !== undefined) settings.failMarker = p.fail_marker;
  if (p.scenarios !== undefined) settings.scenarios = p.scenarios;
  return settings;
}

function readProviderOptions(options: LanguageModelV3CallOptions): SimulatedProviderOptions {
  const parsed = simulatedProviderOptionsSchema.safeParse(options.providerOptions?.['simulated'] ?? {});
  if (parsed.success) return parsed.data;
  throw new InvalidArgumentError({
    argument: 'providerOptions.simulated',
    message: `Invalid providerOptions.simulated: ${parsed.error.message}`,
    cause: parsed.error,
  });
}

/**
 * Plays steps as a pull-based stream: one step per pull, token steps delayed
 * first. Abort errors the stream at once with the signal's reason (clearing
 * queued parts, as a torn-down fetch body does) and clears the pending timer.
 */
function playSteps(steps: Iterator<ScriptStep>, delayFor: () => number, signal?: AbortSignal): ReadableStream<LanguageModelV3StreamPart> {
  let done = false;
  let cancelWait: (() => void) | undefined;
  let onAbort: (() => void) | undefined;

  const stop = () => {
    done = true;
    cancelWait?.();
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  };
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms > 0) {
        const timer = setTimeout(resolve, ms);
        cancelWait = () => (clearTimeout(timer), resolve());
      } else {
        // Even at zero delay, yield a macrotask so concurrent runs interleave.
        const immediate = setImmediate(resolve);
        cancelWait = () => (clearImmediate(immediate), resolve());
      }
    }).finally(() => {
      cancelWait = undefined;
    });

  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      if (!signal) return;
      onAbort = () => {
        if (done) return;
        stop();
        controller.error(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      if (done) return;
      const next = steps.next();
      if (next.done) {
        stop();
        controller.close();
        return;
      }
      const step = next.value;
      if (step.token) await wait(delayFor());
      if (done) return; // aborted or cancelled while waiting
      controller.enqueue(step.part);
    },
    cancel() {
      stop();
    },
  });
}

export function createSimulatedModel(settings: SimulatedModelSettings): LanguageModelV3 {
  const { modelId, failMarker } = settings;
  const tokenDelayMs = settings.tokenDelayMs ?? 10;
  const jitterMs = settings.jitterMs ?? 0;

  async function doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    // Like fetch: an already-aborted signal rejects before any output.
    options.abortSignal?.throwIfAborted();
    const providerOptions = readProviderOptions(options);
    const lastUser = lastUserText(options.prompt);
    if (failMarker && lastUser.includes(failMarker)) {
      throw new APICallError({
        message: `Simulated failure: prompt contains fail marker "${failMarker}"`,
        url: `simulated://${modelId}`,
        requestBodyValues: { modelId, lastUserMessage: lastUser },
        statusCode: 500,
        // Not retryable, so a model call's retry loop (streamTurn) fails fast in tests.
        isRetryable: false,
      });
    }
    const scenarioAnswer = settings.scenarios === 'a2a-tck' ? tckAnswerOf(settings.runMetadata) : undefined;
    const script = buildScript(options, {
      ...(scenarioAnswer !== undefined && { supervisorAnswer: scenarioAnswer }),
      replyTokens: settings.replyTokens ?? 40,
      reasoning: settings.reasoning ?? true,
      parallelToolCalls: providerOptions.parallelToolCalls ?? false,
      ...(providerOptions.agentName !== undefined && { agentName: providerOptions.agentName }),
      ...(providerOptions.role !== undefined && { role: providerOptions.role }),
    });
    const steps = (function* (): Generator<ScriptStep> {
      yield { part: { type: 'stream-start', warnings: [] }, token: false };
      yield { part: { type: 'response-metadata', id: script.responseId, modelId, timestamp: new Date() }, token: false };
      yield* script.steps();
      yield { part: { type: 'finish', usage: script.usage, finishReason: script.finishReason }, token: false };
    })();
    const rand = prng(script.seed);
    const delayFor = () => tokenDelayMs + (jitterMs > 0 ? Math.floor(rand() * (jitterMs + 1)) : 0);
    return { stream: playSteps(steps, delayFor, options.abortSignal) };
  }

  async function doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { stream } = await doStream(options);
    const reader = stream.getReader();
    let reasoning = '';
    let text = '';
    const toolCalls: LanguageModelV3Content[] = [];
    let usage: LanguageModelV3Usage | undefined;
    let finishReason: LanguageModelV3FinishReason = { unified: 'other', raw: undefined };
    let response: LanguageModelV3ResponseMetadata = {};
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.type === 'reasoning-delta') reasoning += value.delta;
      else if (value.type === 'text-delta') text += value.delta;
      else if (value.type === 'tool-call') toolCalls.push(value);
      else if (value.type === 'response-metadata') response = { id: value.id, modelId: value.modelId, timestamp: value.timestamp };
      else if (value.type === 'finish') ({ usage, finishReason } = value);
    }
    const content: LanguageModelV3Content[] = [];
    if (reasoning) content.push({ type: 'reasoning', text: reasoning });
    if (text) content.push({ type: 'text', text });
    content.push(...toolCalls);
    return {
      content,
      finishReason,
      usage: usage ?? {
        inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      },
      response,
      warnings: [],
    };
  }

  return {
    specificationVersion: 'v3',
    provider: 'simulated',
    modelId,
    supportedUrls: {},
    doGenerate,
    doStream,
  };
}
