import test from 'ava';
import { streamTurn } from '../src/models/stream-turn.ts';
import { delegationTool } from '../src/models/conversation.ts';
import { workerMachine } from '../src/actors/worker-machine.ts';
import { startHarness } from './helpers/actor-harness.ts';
import { workerPlan } from './helpers/plans.ts';
import { finish, GAP, reasoning, recording, request, ScriptedModel, text, toolCall } from './helpers/scripted-model.ts';

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
  t.deepEqual(result.usage, { inputTokens: 12, outputTokens: 5, reasoningTokens: 0, cachedInputTokens: 0 });
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

test('a failing onIdle ends the call with its error and cancels the stream', async (t) => {
  const model = new ScriptedModel([{ parts: [text('a'), GAP, text('b')], end: 'hang' }]);
  const boom = new Error('the sink refused the batch');
  const { log, handlers } = recording({ onIdle: () => { throw boom; } });
  const error = await t.throwsAsync(streamTurn(model, request, handlers));
  t.is(error, boom);
  t.deepEqual(log, ['text:a', 'idle']);
  t.is(model.cancelled.length, 1);
  t.is(model.cancelled[0], boom);
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
  // The call's start rides in the first burst and its end in the last: no EMIT of their own.
  t.deepEqual(h.batchSizes(), [6, 2]);
  const drafts = h.drafts();
  t.deepEqual(drafts.map((d) => d.action.startsWith('call_') ? d.action : `${d.action}:${d.data.content}`),
    ['call_started', 'reasoning:Hmm', ...words.map((w) => `stream:${w}`), 'stream: end', 'call_completed']);
  t.is(result?.output, `${words.join('')} end`);
});
