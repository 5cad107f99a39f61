import test from 'ava';
import { waitFor, type AnyActorRef } from 'xstate';
import { workerMachine, type WorkerContext } from '../src/actors/worker-machine.ts';
import { sourceOf } from '../src/actors/run-plan.ts';
import { actionsOf, startHarness } from './helpers/actor-harness.ts';
import { workerPlan } from './helpers/plans.ts';

const context = (ref: AnyActorRef) => (ref.getSnapshot() as { context: WorkerContext }).context;

test('a TASK is answered with a RESULT naming the worker, its role and the task', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'data analyst', { replyTokens: 30 });
  const h = startHarness(workerMachine, { agent });
  t.teardown(h.stop);
  h.send('call-1', 'Count the red apples');
  const [result] = await h.waitForResults(1);
  t.is(result?.callId, 'call-1');
  t.true(result?.ok);
  t.true(result?.output.startsWith('[Ada as data analyst] Task: Count the red apples —'), result?.output);
  t.is(result?.output.split(/\s+/).filter(Boolean).length, 30);
  t.is(context(h.child).lastResult, result?.output);
});

test('streamed text and reasoning reach the sink with the worker as source', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'data analyst', { replyTokens: 12, reasoning: true });
  const h = startHarness(workerMachine, { agent });
  t.teardown(h.stop);
  h.send('call-1', 'Sort the invoices');
  const [result] = await h.waitForResults(1);
  const drafts = h.drafts();
  const stream = drafts.filter((d) => d.category === 'llm' && d.action === 'stream');
  const reasoning = drafts.filter((d) => d.category === 'llm' && d.action === 'reasoning');
  t.is(stream.length, 12);
  t.true(reasoning.length >= 3);
  for (const d of [...stream, ...reasoning]) t.deepEqual(d.source, sourceOf(agent));
  t.deepEqual(sourceOf(agent), { agent_id: 'w-alpha-ada', agent_type: 'worker', agent_name: 'Ada', team_name: 'Alpha' });
  // The deltas concatenate to the answer, and all reasoning comes first.
  t.is(stream.map((d) => d.data.content).join(''), result?.output);
  t.true(drafts.indexOf(reasoning.at(-1)!) < drafts.indexOf(stream[0]!));
  t.regex(reasoning.map((d) => d.data.content).join(''), /^Considering how to handle: Sort the invoices/);
  t.deepEqual(actionsOf(drafts, 'system'), []);
});

test('the worker goes idle → working → idle and counts one model call', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'data analyst');
  const h = startHarness(workerMachine, { agent });
  t.teardown(h.stop);
  const states: unknown[] = [h.child.getSnapshot().value];
  const busyWith: Array<string | null> = [];
  h.child.subscribe((s: { value: unknown; context: WorkerContext }) => {
    if (s.value !== states.at(-1)) {
      states.push(s.value);
      busyWith.push(s.context.current?.task ?? null);
    }
  });
  t.deepEqual(context(h.child).stats, {
    tasks: 0, model_calls: 0, input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cached_input_tokens: 0, model_retries: 0,
    duration_ms: 0, errors: 0, tool_calls: 0, tool_errors: 0,
  });
  h.send('call-1', 'Check the totals');
  await waitFor(h.child, (s) => s.value === 'working');
  t.is(context(h.child).current?.callId, 'call-1');
  await h.waitForResults(1);
  t.deepEqual(states, ['idle', 'working', 'idle']);
  t.deepEqual(busyWith, ['Check the totals', null]);
  const { stats, current } = context(h.child);
  t.is(current, null);
  t.is(stats.tasks, 1);
  t.is(stats.model_calls, 1);
  t.is(stats.errors, 0);
  t.true(stats.input_tokens > 0);
  t.true(stats.output_tokens >= 16);
});

test('two TASKs sent at once are queued and both answered, in order', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'data analyst');
  const h = startHarness(workerMachine, { agent });
  t.teardown(h.stop);
  h.send('call-1', 'First job');
  h.send('call-2', 'Second job');
  t.is(h.child.getSnapshot().value, 'working');
  t.deepEqual(context(h.child).queue.map((q) => q.callId), ['call-2']);
  const results = await h.waitForResults(2);
  t.deepEqual(results.map((r) => [r.callId, r.ok]), [['call-1', true], ['call-2', true]]);
  t.true(results[0]!.output.includes('Task: First job'));
  t.true(results[1]!.output.includes('Task: Second job'));
  const { stats, queue } = context(h.child);
  t.deepEqual(queue, []);
  t.is(stats.tasks, 2);
  t.is(stats.model_calls, 2);
  t.is(h.child.getSnapshot().value, 'idle');
});

test('a failing model call is answered ok:false, reported as system.error and counted', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'data analyst', { failMarker: 'BOOM' });
  const h = startHarness(workerMachine, { agent });
  t.teardown(h.stop);
  h.send('call-1', 'Please BOOM now');
  const [result] = await h.waitForResults(1);
  t.is(result?.callId, 'call-1');
  t.false(result?.ok);
  t.is(result?.output, 'Simulated failure: prompt contains fail marker "BOOM"');
  const errors = h.drafts().filter((d) => d.category === 'system' && d.action === 'error');
  t.is(errors.length, 1);
  t.deepEqual(errors[0]?.source, sourceOf(agent));
  t.deepEqual(errors[0]?.data, { error: result?.output, task: 'Please BOOM now' });
  // No text streamed: the call's start and its failed end, with the error the agent reports.
  t.deepEqual(actionsOf(h.drafts(), 'llm'), ['call_started', 'call_completed']);
  const completed = h.drafts().find((d) => d.action === 'call_completed')!;
  t.like(completed.data, { call_id: `${agent.agentId}#1`, status: 'failed', error: result?.output, cost_usd: 0, retries: 0 });
  const { stats, lastError, current } = context(h.child);
  t.is(stats.errors, 1);
  t.is(stats.model_calls, 0);
  t.is(stats.tasks, 1);
  t.is(lastError, result?.output);
  t.is(current, null);
  // The worker keeps working after a failure.
  h.send('call-2', 'A fine task');
  const results = await h.waitForResults(2);
  t.true(results[1]?.ok);
  t.is(context(h.child).stats.model_calls, 1);
});
