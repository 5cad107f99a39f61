import test from 'ava';
import { APICallError } from '@ai-sdk/provider';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import { streamTurn, type TurnHandlers } from '../src/models/stream-turn.ts';
import { delegationTool, userMessage } from '../src/models/conversation.ts';
import { retryAfterMs, retryDelayMs, DEFAULT_RETRY } from '../src/models/model-retry.ts';
import { workerMachine } from '../src/actors/worker-machine.ts';
import { startHarness } from './helpers/actor-harness.ts';
import { workerPlan } from './helpers/plans.ts';

/** Marks where a scripted stream stops until the test calls `model.resume()` (one network chunk after another). */
const GAP = Symbol('gap');
type Step = LanguageModelV3StreamPart | typeof GAP;

/** What one doStream call does: reject, never answer, or stream parts and then close, error or hang. */
type Attempt =
  | { reject: unknown }
  | { never: true }
  | { parts: Step[]; end?: 'close' | 'hang' | { error: unknown } };

/**
 * A hand-written LanguageModelV3: each doStream call plays the next scripted attempt. It
 * records every call's options and every reason its streams were cancelled with.
 */
class ScriptedModel implements LanguageModelV3 {
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

function usage(input: number, output: number) {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

const finish = (input = 7, output = 3): LanguageModelV3StreamPart => ({ type: 'finish', usage: usage(input, output), finishReason: { unified: 'stop', raw: 'stop' } });
const text = (delta: string, id = 't0'): LanguageModelV3StreamPart => ({ type: 'text-delta', id, delta });
const reasoning = (delta: string, id = 'r0'): LanguageModelV3StreamPart => ({ type: 'reasoning-delta', id, delta });
const toolCall = (toolCallId: string, toolName: string, input: string): LanguageModelV3StreamPart => ({ type: 'tool-call', toolCallId, toolName, input });
const serverError = (headers?: Record<string, string>) => new APICallError({
  message: 'Service Unavailable', url: 'https://model.test/v1', requestBodyValues: {}, statusCode: 503, isRetryable: true,
  ...(headers && { responseHeaders: headers }),
});
const request = { system: 'You are Ada, an analyst.', messages: [userMessage('Count the apples')] };
/** Retries that wait a millisecond or two, so tests do not sit in backoff. */
const fastRetry = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 2 };

/** Handlers that log what they were called with, in order. */
function recording(extra: TurnHandlers = {}) {
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

test('text, reasoning and tool calls: deltas in order, the assistant message, usage; the call is built from the request', async (t) => {
  const model = new ScriptedModel([{
    parts: [
      { type: 'stream-start', warnings: [] },
      { type: 'reasoning-start', id: 'r0' }, reasoning('Think'), reasoning(' hard'),
      { type: 'reasoning-end', id: 'r0', providerMetadata: { scripted: { signature: 'sig' } } },
      { type: 'text-start', id: 't0' }, text('Dele'), text('gating.'), { type: 'text-end', id: 't0' },
      toolCall('c1', 'worker_Bob', '{"task":"Check totals"}'),
      finish(12, 5),
    ],
  }]);
  const { log, handlers } = recording();
  const controller = new AbortController();
  const tools = [delegationTool('worker_Bob', 'Bob, an auditor')];
  const result = await streamTurn(model, {
    ...request, tools, temperature: 0.3, maxOutputTokens: 99, topP: 0.9, providerOptions: { scripted: { flag: true } },
  }, handlers, controller.signal);
  t.deepEqual(log.filter((l) => l !== 'idle'), ['reasoning:Think', 'reasoning: hard', 'text:Dele', 'text:gating.']);
  t.is(result.text, 'Delegating.');
  t.deepEqual(result.toolCalls, [{ toolCallId: 'c1', toolName: 'worker_Bob', input: { task: 'Check totals' } }]);
  t.deepEqual(result.message, {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'Think hard', providerOptions: { scripted: { signature: 'sig' } } },
      { type: 'text', text: 'Delegating.' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'worker_Bob', input: { task: 'Check totals' } },
    ],
  });
  t.deepEqual(result.usage, { inputTokens: 12, outputTokens: 5 });
  t.is(result.finishReason, 'stop');
  t.is(result.attempts, 1);
  t.true(result.durationMs >= 0);
  t.is(model.calls.length, 1);
  const call = model.calls[0]!;
  t.deepEqual(call.prompt, [
    { role: 'system', content: 'You are Ada, an analyst.' },
    { role: 'user', content: [{ type: 'text', text: 'Count the apples' }] },
  ]);
  t.deepEqual(call.tools, tools);
  t.deepEqual(call.toolChoice, { type: 'auto' });
  t.like(call, { temperature: 0.3, maxOutputTokens: 99, topP: 0.9, providerOptions: { scripted: { flag: true } } });
  t.is(call.abortSignal, controller.signal);
  t.deepEqual(model.cancelled, [], 'a stream read to its end is not cancelled');
});

test('malformed tool input becomes a call with an error; the conversation keeps an object input', async (t) => {
  const model = new ScriptedModel([{
    parts: [toolCall('c1', 'worker_Ada', '{"task": "unfinished'), toolCall('c2', 'worker_Bob', ''), toolCall('c3', 'worker_Cy', '[1,2]'), finish()],
  }]);
  const result = await streamTurn(model, request);
  const [broken, empty, array] = result.toolCalls;
  t.is(result.toolCalls.length, 3);
  t.like(broken, { toolCallId: 'c1', input: '{"task": "unfinished' });
  t.regex(broken!.error ?? '', /^invalid tool call: input is not JSON/);
  t.deepEqual(empty, { toolCallId: 'c2', toolName: 'worker_Bob', input: {} });
  t.deepEqual(array, { toolCallId: 'c3', toolName: 'worker_Cy', input: [1, 2] });
  const inputs = result.message.content.map((p) => (p.type === 'tool-call' ? p.input : null));
  t.deepEqual(inputs, [{}, {}, [1, 2]]);
});

test('onIdle comes when the stream has nothing buffered after deltas, not per delta', async (t) => {
  const model = new ScriptedModel([{ parts: [text('a'), reasoning('b'), text('c'), GAP, text('d'), text('e'), GAP, finish()] }]);
  const { log, handlers } = recording({ onIdle: () => model.resume() });
  const result = await streamTurn(model, request, handlers);
  t.deepEqual(log, ['text:a', 'reasoning:b', 'text:c', 'idle', 'text:d', 'text:e', 'idle']);
  t.is(result.text, 'acde');
});

test('a retryable failure before any output is retried with backoff until it works', async (t) => {
  const model = new ScriptedModel([
    { reject: serverError() },
    { parts: [{ type: 'stream-start', warnings: [] }, { type: 'error', error: serverError() }], end: 'hang' },
    { parts: [text('ok'), finish()] },
  ]);
  const { log, retries, handlers } = recording();
  const result = await streamTurn(model, { ...request, retry: fastRetry }, handlers);
  t.is(result.text, 'ok');
  t.is(result.attempts, 3);
  t.is(model.calls.length, 3);
  t.deepEqual(retries.map((r) => r.retry), [1, 2]);
  // Equal jitter: between half and all of 1 ms, then of 2 ms.
  t.true(retries[0]!.delayMs >= 1 && retries[0]!.delayMs <= 1, String(retries[0]!.delayMs));
  t.true(retries[1]!.delayMs >= 1 && retries[1]!.delayMs <= 2, String(retries[1]!.delayMs));
  t.deepEqual(log, ['text:ok']);
  t.is(model.cancelled.length, 1, 'the stream that failed with an error part was cancelled');
});

test('retry-after-ms and retry-after are honoured instead of the backoff', async (t) => {
  const model = new ScriptedModel([
    { reject: serverError({ 'retry-after-ms': '3' }) },
    { reject: serverError({ 'Retry-After': '0' }) },
    { parts: [text('ok'), finish()] },
  ]);
  const { retries, handlers } = recording();
  // A backoff of ten minutes: only the server's word can make this test finish.
  const result = await streamTurn(model, { ...request, retry: { maxRetries: 2, initialDelayMs: 600_000, maxDelayMs: 600_000 } }, handlers);
  t.is(result.attempts, 3);
  t.deepEqual(retries.map((r) => r.delayMs), [3, 0]);
  t.is(retryAfterMs(serverError({ 'retry-after': new Date(Date.parse('2030-01-01T00:00:10Z')).toUTCString() }), Date.parse('2030-01-01T00:00:00Z')), 10_000);
  t.is(retryDelayMs(DEFAULT_RETRY, 1, serverError(), () => 0), 1000, 'no header: half of the 2 s backoff at the least');
  t.is(retryDelayMs(DEFAULT_RETRY, 1, serverError(), () => 1), 2000);
  t.is(retryDelayMs(DEFAULT_RETRY, 0, serverError({ 'retry-after': '120' })), undefined, 'two minutes: not worth waiting for');
  const patient = new ScriptedModel([{ reject: serverError({ 'retry-after': '120' }) }, { parts: [finish()] }]);
  t.is((await t.throwsAsync(streamTurn(patient, { ...request, retry: fastRetry })))?.message, 'Service Unavailable');
  t.is(patient.calls.length, 1);
});

test('attempts are bounded; a non-retryable error is not retried; a connection reset is', async (t) => {
  const always = new ScriptedModel([{ reject: serverError() }, { reject: serverError() }, { reject: serverError() }]);
  const error = await t.throwsAsync(streamTurn(always, { ...request, retry: { ...fastRetry, maxRetries: 1 } }));
  t.true(APICallError.isInstance(error));
  t.is(always.calls.length, 2);

  const fatal = new APICallError({ message: 'Bad key', url: 'https://model.test', requestBodyValues: {}, statusCode: 401, isRetryable: false });
  const once = new ScriptedModel([{ reject: fatal }, { parts: [finish()] }]);
  t.is(await t.throwsAsync(streamTurn(once, { ...request, retry: fastRetry })), fatal);
  t.is(once.calls.length, 1);

  const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  const flaky = new ScriptedModel([{ reject: reset }, { parts: [text('back'), finish()] }]);
  t.is((await streamTurn(flaky, { ...request, retry: fastRetry })).text, 'back');
  t.is(flaky.calls.length, 2);
});

test('an error after output has started is not retried', async (t) => {
  const failure = serverError();
  const model = new ScriptedModel([
    { parts: [text('half an ans'), { type: 'error', error: failure }], end: 'hang' },
    { parts: [text('never'), finish()] },
  ]);
  const { log, retries, handlers } = recording();
  t.is(await t.throwsAsync(streamTurn(model, { ...request, retry: fastRetry }, handlers)), failure);
  t.is(model.calls.length, 1);
  t.deepEqual(retries, []);
  t.deepEqual(log, ['text:half an ans']);
  t.deepEqual(model.cancelled, [failure], 'the stream is cancelled with the error');

  const broken = new ScriptedModel([{ parts: [text('so far')], end: { error: new Error('stream torn') } }, { parts: [finish()] }]);
  const torn = await t.throwsAsync(streamTurn(broken, { ...request, retry: fastRetry }));
  t.is(torn?.message, 'stream torn');
  t.is(broken.calls.length, 1);
  t.deepEqual(broken.cancelled, [], 'an errored stream needs no cancel');
});

test('an error part rejects with an error naming its cause', async (t) => {
  const cause = { type: 'overloaded_error', message: 'Overloaded' };
  const model = new ScriptedModel([{ parts: [{ type: 'error', error: cause }], end: 'hang' }]);
  const error = await t.throwsAsync(streamTurn(model, request));
  t.regex(error?.message ?? '', /overloaded_error.*Overloaded/);
  t.is(error?.cause, cause);
  t.is(model.calls.length, 1, 'not an APICallError marked retryable: not retried');
});

test('abort mid-stream rejects at once with an AbortError and cancels the stream', async (t) => {
  const model = new ScriptedModel([{ parts: [text('one'), GAP, text('two')], end: 'hang' }]);
  const controller = new AbortController();
  const { log, handlers } = recording({ onIdle: () => controller.abort() });
  const error = await t.throwsAsync(streamTurn(model, request, handlers, controller.signal));
  t.is(error?.name, 'AbortError');
  t.deepEqual(log, ['text:one', 'idle']);
  t.is(model.cancelled.length, 1);
  t.is((model.cancelled[0] as Error).name, 'AbortError');

  // A reason of the caller's own is kept as the cause.
  const again = new ScriptedModel([{ parts: [text('one')], end: 'hang' }]);
  const other = new AbortController();
  const reason = new Error('run cancelled');
  const aborted = await t.throwsAsync(streamTurn(again, request, { onTextDelta: () => other.abort(reason) }, other.signal));
  t.is(aborted?.name, 'AbortError');
  t.is(aborted?.cause, reason);
  t.is(again.cancelled.length, 1);
});

test('abort before the provider answers, or while waiting to retry, rejects at once', async (t) => {
  const silent = new ScriptedModel([{ never: true }]);
  const controller = new AbortController();
  const pending = streamTurn(silent, request, {}, controller.signal);
  t.is(silent.calls.length, 1, 'doStream was called');
  controller.abort();
  t.is((await t.throwsAsync(pending))?.name, 'AbortError');

  const failing = new ScriptedModel([{ reject: serverError() }, { parts: [finish()] }]);
  const during = new AbortController();
  const retrying = streamTurn(failing, { ...request, retry: { maxRetries: 2, initialDelayMs: 600_000, maxDelayMs: 600_000 } }, {
    onRetry: () => during.abort(),
  }, during.signal);
  t.is((await t.throwsAsync(retrying))?.name, 'AbortError');
  t.is(failing.calls.length, 1);

  const already = new AbortController();
  already.abort();
  const untouched = new ScriptedModel([{ parts: [finish()] }]);
  t.is((await t.throwsAsync(streamTurn(untouched, request, {}, already.signal)))?.name, 'AbortError');
  t.is(untouched.calls.length, 0);
});

test('a worker sends the deltas of one burst to its sink as one EMIT, in order', async (t) => {
  const words = [' alpha', ' beta', ' gamma', ' delta'];
  const model = new ScriptedModel([{ parts: [reasoning('Hmm'), ...words.map((w) => text(w)), GAP, text(' end'), finish(4, 5)] }]);
  const agent = workerPlan('Alpha', 'Ada', 'data analyst');
  const h = startHarness(workerMachine, { agent: { ...agent, model: { ...agent.model, model } } });
  t.teardown(h.stop);
  h.send('call-1', 'Write five words');
  // The second burst comes once the first was handed on (the sink got it).
  const first = new Promise<void>((resolve) => {
    const sub = h.child.system.get('sink').subscribe(() => {
      if (h.batchSizes().length > 0) { sub.unsubscribe(); model.resume(); resolve(); }
    });
  });
  const [result] = await h.waitForResults(1);
  await first;
  t.deepEqual(h.batchSizes(), [5, 1]);
  const drafts = h.drafts();
  t.deepEqual(drafts.map((d) => `${d.action}:${d.data.content}`), ['reasoning:Hmm', ...words.map((w) => `stream:${w}`), 'stream: end']);
  t.is(result?.output, `${words.join('')} end`);
});
