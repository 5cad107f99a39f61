import test from 'ava';
import { APICallError } from '@ai-sdk/provider';
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import {
  createSimulatedModel,
  simulatedParamsSchema,
  simulatedSettingsFromParams,
} from '../src/models/simulated-model.ts';

const SYSTEM = 'You are Ada, a data analyst.\nAnswer briefly.';
const TASK = 'Count the red apples in basket 7';

function userPrompt(text: string, system?: string): LanguageModelV3CallOptions['prompt'] {
  return [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    { role: 'user' as const, content: [{ type: 'text' as const, text }] },
  ];
}

async function collect(model: LanguageModelV3, options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamPart[]> {
  const { stream } = await model.doStream(options);
  const parts: LanguageModelV3StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** Three teams whose execute records the order and input of calls. */
function teamTools(log: Array<{ name: string; task: string }>) {
  const make = (name: string) =>
    tool({
      description: `Team ${name}`,
      inputSchema: z.object({ task: z.string() }),
      execute: async ({ task }) => {
        log.push({ name, task });
        return `${name} finished (${task.length} chars)`;
      },
    });
  return { alpha: make('alpha'), beta: make('beta'), gamma: make('gamma') };
}

test('worker answer has exactly replyTokens words and names agent, role and task', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 30 });
  const result = streamText({ model, system: SYSTEM, prompt: TASK });
  const text = await result.text;
  t.is(words(text).length, 30);
  t.true(text.startsWith(`[Ada as a data analyst] Task: ${TASK} —`), text);
  t.is((await result.finishReason), 'stop');
});

test('providerOptions identity wins over the system prompt; no system gives "assistant"', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 20 });
  const explicit = streamText({
    model,
    system: SYSTEM,
    prompt: TASK,
    providerOptions: { simulated: { agentName: 'Bob', role: 'auditor' } },
  });
  t.true((await explicit.text).startsWith(`[Bob as auditor] Task: ${TASK}`));
  const anonymous = streamText({ model, prompt: TASK });
  t.true((await anonymous.text).startsWith(`[assistant as assistant] Task: ${TASK}`));
});

test('streams one text-delta per token and usage counts them', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 25, reasoning: false });
  const parts = await collect(model, { prompt: userPrompt(TASK, SYSTEM) });
  const deltas = parts.filter((p) => p.type === 'text-delta');
  t.is(deltas.length, 25);
  t.deepEqual(parts.slice(0, 3).map((p) => p.type), ['stream-start', 'response-metadata', 'text-start']);
  const finish = parts.at(-1);
  if (finish?.type !== 'finish') return t.fail('last part is not finish');
  t.deepEqual(finish.finishReason, { unified: 'stop', raw: 'stop' });
  t.is(finish.usage.outputTokens.total, 25);
  t.is(finish.usage.inputTokens.total, words(SYSTEM).length + words(TASK).length);
  const meta = parts[1];
  t.true(meta?.type === 'response-metadata' && meta.modelId === 'sim' && meta.timestamp instanceof Date);
});

test('reasoning parts are present by default and absent when disabled', async (t) => {
  const on = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 5 });
  const off = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 5, reasoning: false });
  const withR = await collect(on, { prompt: userPrompt(TASK) });
  const types = withR.map((p) => p.type);
  t.true(types.filter((x) => x === 'reasoning-delta').length >= 3);
  t.true(types.indexOf('reasoning-end') < types.indexOf('text-start'));
  const withoutR = await collect(off, { prompt: userPrompt(TASK) });
  t.false(withoutR.some((p) => p.type.startsWith('reasoning')));
  const viaSdk = streamText({ model: on, prompt: TASK });
  t.regex((await viaSdk.reasoningText) ?? '', /^Considering how to handle: Count the red apples/);
});

test('sequential supervisor calls each tool once, one per step, then synthesises', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0 });
  const log: Array<{ name: string; task: string }> = [];
  const result = streamText({ model, prompt: TASK, tools: teamTools(log), stopWhen: stepCountIs(10) });
  const text = await result.text;
  const steps = await result.steps;
  t.deepEqual(log.map((c) => c.name), ['alpha', 'beta', 'gamma']);
  t.deepEqual(steps.map((s) => s.toolCalls.length), [1, 1, 1, 0]);
  t.deepEqual(steps.map((s) => s.finishReason), ['tool-calls', 'tool-calls', 'tool-calls', 'stop']);
  for (const call of log) t.true(call.task.includes(TASK), call.task);
  t.is(log[0]?.task, `Team alpha: ${TASK}`);
  t.true(text.startsWith(`Synthesis of 3 results for task: ${TASK}.`), text);
  for (const name of ['alpha', 'beta', 'gamma']) t.true(text.includes(`${name}: ${name} finished`), text);
  t.is(steps[0]?.text, 'Delegating to alpha.');
  const ids = steps.flatMap((s) => s.toolCalls.map((c) => c.toolCallId));
  t.is(new Set(ids).size, 3);
});

test('parallel supervisor emits all tool calls in the first step', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0 });
  const log: Array<{ name: string; task: string }> = [];
  const result = streamText({
    model,
    prompt: TASK,
    tools: teamTools(log),
    stopWhen: stepCountIs(10),
    providerOptions: { simulated: { parallelToolCalls: true } },
  });
  const text = await result.text;
  const steps = await result.steps;
  t.is(steps.length, 2);
  t.deepEqual(steps[0]?.toolCalls.map((c) => c.toolName), ['alpha', 'beta', 'gamma']);
  t.is(log.length, 3);
  t.true(text.startsWith('Synthesis of 3 results'), text);
});

test('tool call input is streamed as tool-input parts that concatenate to the input', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, reasoning: false });
  const tools = [{ type: 'function' as const, name: 'alpha', description: 'Team alpha', inputSchema: { type: 'object' as const } }];
  const parts = await collect(model, { prompt: userPrompt(TASK), tools });
  const deltas = parts.flatMap((p) => (p.type === 'tool-input-delta' ? [p.delta] : []));
  const call = parts.find((p) => p.type === 'tool-call');
  if (call?.type !== 'tool-call') return t.fail('no tool-call part');
  t.true(deltas.length > 3);
  t.is(deltas.join(''), call.input);
  t.deepEqual(JSON.parse(call.input), { task: `Team alpha: ${TASK}` });
  t.true(parts.findIndex((p) => p.type === 'tool-input-start') < parts.indexOf(call));
});

test('toolChoice none synthesises at once; toolChoice tool forces that tool', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, reasoning: false });
  const tools = ['alpha', 'beta'].map((name) => ({ type: 'function' as const, name, inputSchema: { type: 'object' as const } }));
  const none = await model.doGenerate({ prompt: userPrompt(TASK), tools, toolChoice: { type: 'none' } });
  t.deepEqual(none.content, [{ type: 'text', text: `Synthesis of 0 results for task: ${TASK}.` }]);
  t.is(none.finishReason.unified, 'stop');
  const forced = await model.doGenerate({ prompt: userPrompt(TASK), tools, toolChoice: { type: 'tool', toolName: 'beta' } });
  t.deepEqual(forced.content.flatMap((c) => (c.type === 'tool-call' ? [c.toolName] : [])), ['beta']);
  t.deepEqual(forced.finishReason, { unified: 'tool-calls', raw: 'tool_calls' });
});

test('same prompt and settings give the same text and tool calls', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, jitterMs: 2 });
  const run = async () => {
    const result = streamText({ model, prompt: TASK, tools: teamTools([]), stopWhen: stepCountIs(10) });
    const steps = await result.steps;
    return { text: await result.text, calls: steps.flatMap((s) => s.toolCalls.map((c) => [c.toolCallId, c.input])) };
  };
  const [a, b] = await Promise.all([run(), run()]);
  t.deepEqual(a, b);
  const worker = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 50 });
  const first = await generateText({ model: worker, system: SYSTEM, prompt: TASK });
  const second = await generateText({ model: worker, system: SYSTEM, prompt: TASK });
  t.is(first.text, second.text);
  const other = await generateText({ model: worker, system: SYSTEM, prompt: 'A different task' });
  t.not(words(first.text).slice(-20).join(' '), words(other.text).slice(-20).join(' '));
});

test('doGenerate returns the streamed content', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 15 });
  const streamed = await streamText({ model, system: SYSTEM, prompt: TASK }).text;
  const generated = await generateText({ model, system: SYSTEM, prompt: TASK });
  t.is(generated.text, streamed);
  t.is(generated.usage.outputTokenDetails.textTokens, 15);
  t.true((generated.reasoningText ?? '').length > 0);
});

test('concurrent zero-delay streams interleave and let other macrotasks run', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 200, reasoning: false });
  const order: string[] = [];
  let tickedAt = -1;
  // A macrotask queued now only runs mid-stream if the model yields to the event loop.
  setImmediate(() => (tickedAt = order.length));
  const run = async (label: string) => {
    const { stream } = await model.doStream({ prompt: userPrompt(`${label} ${TASK}`) });
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.type === 'text-delta') order.push(label);
    }
  };
  await Promise.all([run('A'), run('B')]);
  t.is(order.length, 400);
  // If one stream ran to completion first, B's first token would come after all of A's.
  t.true(order.indexOf('B') < order.lastIndexOf('A'));
  t.true(tickedAt >= 0 && tickedAt < 400, `tick ran after ${tickedAt} deltas`);
});

test.serial('abort mid-stream errors with AbortError, stops events and leaves no timers', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
  const before = timers();
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 20, replyTokens: 1000, reasoning: false });
  const controller = new AbortController();
  const { stream } = await model.doStream({ prompt: userPrompt(TASK), abortSignal: controller.signal });
  const reader = stream.getReader();
  let deltas = 0;
  while (deltas < 3) {
    const { value } = await reader.read();
    if (value?.type === 'text-delta') deltas++;
  }
  // Let pull() schedule the next pacing timer so the leak check below means something.
  await new Promise((resolve) => setImmediate(resolve));
  t.true(timers() > before, 'a pacing timer should be pending mid-stream');
  const abortedAt = Date.now();
  controller.abort();
  const error = await t.throwsAsync(reader.read());
  t.is(error?.name, 'AbortError');
  t.true(Date.now() - abortedAt < 1000);
  t.is(timers(), before);
});

test('streamText aborted mid-stream rejects text with AbortError and emits an abort part', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 5, replyTokens: 1000 });
  const controller = new AbortController();
  const result = streamText({ model, prompt: TASK, abortSignal: controller.signal });
  const types: string[] = [];
  for await (const part of result.fullStream) {
    types.push(part.type);
    if (types.filter((x) => x === 'text-delta').length === 2) controller.abort();
  }
  t.is(types.at(-1), 'abort');
  t.is(types.filter((x) => x === 'text-delta').length, 2);
  await t.throwsAsync(result.text, { name: 'AbortError' });
});

test('an already-aborted signal rejects doStream with the reason', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim' });
  await t.throwsAsync(model.doStream({ prompt: userPrompt(TASK), abortSignal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('failMarker in the last user message fails the call with APICallError', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, failMarker: '#FAIL#' });
  const error = await t.throwsAsync(model.doStream({ prompt: userPrompt(`${TASK} #FAIL#`) }));
  t.true(APICallError.isInstance(error));
  t.false((error as APICallError).isRetryable);
  await t.notThrowsAsync(collect(model, { prompt: userPrompt(TASK) }));
  const errors: unknown[] = [];
  const result = streamText({ model, prompt: `${TASK} #FAIL#`, onError: ({ error: e }) => void errors.push(e) });
  for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
  t.true(errors.length > 0 && errors.every((e) => APICallError.isInstance(e)));
});

test('invalid providerOptions.simulated is rejected', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim' });
  await t.throwsAsync(
    model.doStream({ prompt: userPrompt(TASK), providerOptions: { simulated: { parallelToolCalls: 'yes' } } }),
    { message: /providerOptions\.simulated[\s\S]*parallelToolCalls/ },
  );
});

test('params schema maps snake_case and rejects bad fields by name', (t) => {
  t.deepEqual(
    simulatedSettingsFromParams('sim-1', { token_delay_ms: 0, reply_tokens: 7, jitter_ms: 3, reasoning: false, fail_marker: 'X' }),
    { modelId: 'sim-1', tokenDelayMs: 0, replyTokens: 7, jitterMs: 3, reasoning: false, failMarker: 'X' },
  );
  t.deepEqual(simulatedSettingsFromParams('sim-2', null), { modelId: 'sim-2' });
  t.throws(() => simulatedSettingsFromParams('s', { token_delay_ms: -1 }), { message: /token_delay_ms/ });
  t.throws(() => simulatedSettingsFromParams('s', { reply_tokens: 1.5 }), { message: /reply_tokens/ });
  t.throws(() => simulatedSettingsFromParams('s', { jitter_ms: 10_001 }), { message: /jitter_ms/ });
  t.throws(() => simulatedSettingsFromParams('s', { reasoning: 'yes' }), { message: /reasoning/ });
  t.throws(() => simulatedSettingsFromParams('s', { tokn_delay: 1 }), { message: /tokn_delay/ });
  t.false(simulatedParamsSchema.safeParse({ fail_marker: '' }).success);
});

// Serial: concurrent tests would slow the loop enough to hide a missing delay.
test.serial('tokenDelayMs paces the stream (lower bound only)', async (t) => {
  const model = createSimulatedModel({ modelId: 'sim', tokenDelayMs: 5, replyTokens: 20, reasoning: false });
  const started = performance.now();
  const parts = await collect(model, { prompt: userPrompt(TASK) });
  const elapsed = performance.now() - started;
  t.is(parts.filter((p) => p.type === 'text-delta').length, 20);
  t.true(elapsed >= 80, `elapsed ${elapsed}ms`);
});
