import test from 'ava';
import type { AnyActorRef } from 'xstate';
import { teamSupervisorMachine, type SupervisorContext, } from '../src/actors/supervisor-machine.ts';
import { globalSupervisorInput, type TeamSupervisorInput } from '../src/actors/supervisor-input.ts';
import type { WorkerContext } from '../src/actors/worker-machine.ts';
import { startHarness, type Draft, type Harness } from './helpers/actor-harness.ts';
import { runPlan, teamPlan, type TeamOptions } from './helpers/plans.ts';

const TASK = 'Review the supplier contracts';
const WORKERS = ['Ada', 'Bob', 'Cy'];

/** A team supervisor with three workers, as the run would spawn it. */
function teamInput(mode: 'sequential' | 'parallel', options: TeamOptions = {}, maxTurns = 10): TeamSupervisorInput {
  const plan = runPlan(1, { executionMode: mode, maxSupervisorTurns: maxTurns, teams: [teamPlan('Alpha', WORKERS, options)] });
  return globalSupervisorInput(plan).children[0]!.input;
}

function start(t: { teardown(fn: () => void): void }, input: TeamSupervisorInput): Harness {
  const h = startHarness(teamSupervisorMachine, input);
  t.teardown(h.stop);
  return h;
}

const dispatches = (drafts: Draft[]) => drafts.filter((d) => d.category === 'dispatch');
const workerRef = (h: Harness, name: string) =>
  (h.child.getSnapshot() as { children: Record<string, AnyActorRef> }).children[`worker:w-alpha-${name.toLowerCase()}`]!;
const workerStats = (h: Harness, name: string) => (workerRef(h, name).getSnapshot() as { context: WorkerContext }).context.stats;
const supervisor = (h: Harness) => (h.child.getSnapshot() as { value: unknown; context: SupervisorContext });

test('sequential: workers are dispatched one at a time, then the supervisor synthesises', async (t) => {
  const h = start(t, teamInput('sequential'));
  h.send('run-1', TASK);
  const [result] = await h.waitForResults(1);
  t.is(result?.callId, 'run-1');
  t.true(result?.ok);
  t.true(result?.output.startsWith(`Synthesis of 3 results for task: ${TASK}.`), result?.output);
  for (const name of WORKERS) t.true(result!.output.includes(`worker_${name}: [${name} as ${name.toLowerCase()} specialist]`), result?.output);
  const d = dispatches(h.drafts());
  t.deepEqual(d.map((x) => `${x.action}:${x.data.worker_name}`), [
    'worker:Ada', 'worker_completed:Ada', 'worker:Bob', 'worker_completed:Bob', 'worker:Cy', 'worker_completed:Cy',
  ]);
  t.true(d.filter((x) => x.action === 'worker_completed').every((x) => x.data.ok === true && x.data.deduplicated === false));
  t.is(d[0]?.data.task, `[Team: Alpha | Worker: Ada] ada specialist: ${TASK}`);
  t.deepEqual(d[0]?.source, { agent_id: 's-alpha', agent_type: 'team_supervisor', agent_name: 'Supervisor', team_name: 'Alpha' });
  // Each tool call is announced, answered and matched by id.
  const calls = h.drafts().filter((x) => x.action === 'tool_call');
  const results = h.drafts().filter((x) => x.action === 'tool_result');
  t.deepEqual(calls.map((c) => c.data.tool_count), [1, 2, 3]);
  t.deepEqual(results.map((r) => r.data.tool_call_id), calls.map((c) => c.data.tool_call_id));
  t.deepEqual(d.filter((x) => x.action === 'worker').map((x) => x.data.tool_call_id), calls.map((c) => c.data.tool_call_id));
  t.true(results.every((r) => r.data.is_error === false));
  const { stats } = supervisor(h).context;
  t.is(supervisor(h).value, 'idle');
  t.is(stats.model_calls, 4);
  t.is(stats.tasks, 1);
  for (const name of WORKERS) t.is(workerStats(h, name).tasks, 1);
});

test('parallel: all three workers are dispatched before any completes', async (t) => {
  const h = start(t, teamInput('parallel'));
  h.send('run-1', TASK);
  const [result] = await h.waitForResults(1);
  t.true(result?.ok);
  t.true(result?.output.startsWith(`Synthesis of 3 results for task: ${TASK}.`));
  const d = dispatches(h.drafts());
  t.deepEqual(d.map((x) => x.action), ['worker', 'worker', 'worker', 'worker_completed', 'worker_completed', 'worker_completed']);
  t.deepEqual(d.slice(0, 3).map((x) => x.data.worker_name), WORKERS);
  t.deepEqual(d.slice(3).map((x) => x.data.worker_name).sort(), WORKERS);
  // One turn with three calls, then the synthesis.
  t.is(supervisor(h).context.stats.model_calls, 2);
});

test('prevent_duplicate: the same task a second time is answered from the cache', async (t) => {
  const h = start(t, teamInput('sequential', { preventDuplicate: true }));
  h.send('task-1', TASK);
  const [first] = await h.waitForResults(1);
  const before = h.drafts().length;
  h.send('task-2', TASK);
  const [, second] = await h.waitForResults(2);
  t.true(first?.ok);
  t.true(second?.ok);
  t.is(second?.callId, 'task-2');
  t.is(second?.output, first?.output);
  const d = dispatches(h.drafts().slice(before));
  t.deepEqual(d.map((x) => x.action), ['worker_completed', 'worker_completed', 'worker_completed']);
  t.deepEqual(d.map((x) => x.data.worker_name), WORKERS);
  t.true(d.every((x) => x.data.deduplicated === true && x.data.ok === true));
  for (const name of WORKERS) {
    t.is(workerStats(h, name).tasks, 1);
    t.is(workerStats(h, name).model_calls, 1);
  }
  // The answers given back to the model are the cached ones.
  const results = h.drafts().slice(before).filter((x) => x.action === 'tool_result');
  t.is(results.length, 3);
  t.true(results.every((r) => r.data.is_error === false && String(r.data.result).includes('Task: [Team: Alpha')));
});

test('without prevent_duplicate the same task runs the workers again', async (t) => {
  const h = start(t, teamInput('sequential', { preventDuplicate: false }));
  h.send('task-1', TASK);
  await h.waitForResults(1);
  const before = h.drafts().length;
  h.send('task-2', TASK);
  const [, second] = await h.waitForResults(2);
  t.true(second?.ok);
  const d = dispatches(h.drafts().slice(before));
  t.deepEqual(d.map((x) => `${x.action}:${x.data.worker_name}`), [
    'worker:Ada', 'worker_completed:Ada', 'worker:Bob', 'worker_completed:Bob', 'worker:Cy', 'worker_completed:Cy',
  ]);
  t.true(d.every((x) => x.action === 'worker' || x.data.deduplicated === false));
  for (const name of WORKERS) t.is(workerStats(h, name).tasks, 2);
  t.is(supervisor(h).context.stats.tasks, 2);
});

test('a failing worker becomes a typed failed outcome for the supervisor\'s model, and the supervisor still answers', async (t) => {
  const h = start(t, teamInput('sequential', { workers: { Bob: { failMarker: 'MELTDOWN' } } }));
  const task = `${TASK} (MELTDOWN expected)`;
  h.send('run-1', task);
  const [result] = await h.waitForResults(1);
  t.true(result?.ok);
  t.true(result?.output.startsWith(`Synthesis of 3 results for task: ${task}.`), result?.output);
  // Its model reads the structured outcome (JSON), not a bare text that could pass for an answer.
  t.true(result!.output.includes('worker_Bob: {"status":"failed","output":null,"partial_output":null,'), result?.output);
  const toolResults = h.drafts().filter((x) => x.category === 'llm' && x.action === 'tool_result');
  t.deepEqual(toolResults.map((r) => [r.data.tool_name, r.data.is_error]), [['worker_Ada', false], ['worker_Bob', true], ['worker_Cy', false]]);
  t.is(toolResults[1]?.data.result, 'Simulated failure: prompt contains fail marker "MELTDOWN"');
  const completedBob = dispatches(h.drafts()).find((x) => x.action === 'worker_completed' && x.data.worker_name === 'Bob');
  t.is(completedBob?.data.ok, false);
  t.is(completedBob?.data.status, 'failed');
  t.like(completedBob?.data.outcome, { status: 'failed', output: null, error: 'Simulated failure: prompt contains fail marker "MELTDOWN"', usage: { model_calls: 0 } });
  const errors = h.drafts().filter((x) => x.category === 'system' && x.action === 'error');
  t.deepEqual(errors.map((e) => e.source?.agent_name), ['Bob']);
  t.is(workerStats(h, 'Bob').errors, 1);
  t.is(supervisor(h).context.stats.errors, 0);
});

test('share_context: later workers get what earlier ones found', async (t) => {
  const h = start(t, teamInput('sequential', { shareContext: true }));
  h.send('run-1', TASK);
  const [result] = await h.waitForResults(1);
  t.true(result?.ok);
  const sent = dispatches(h.drafts()).filter((x) => x.action === 'worker').map((x) => String(x.data.task));
  t.is(sent.length, 3);
  t.false(sent[0]!.includes('Context from workers that already finished'));
  t.true(sent[1]!.includes('Context from workers that already finished:\n[Ada]: [Ada as ada specialist]'), sent[1]);
  t.true(sent[2]!.includes('[Ada]: ') && sent[2]!.includes('[Bob]: [Bob as bob specialist]'), sent[2]);
});

test('maxTurns 1 with three sequential workers gives up with an error', async (t) => {
  const h = start(t, teamInput('sequential', {}, 1));
  h.send('run-1', TASK);
  const [result] = await h.waitForResults(1);
  t.false(result?.ok);
  t.is(result?.output, 'gave up after 1 model turns without a final answer');
  t.deepEqual(dispatches(h.drafts()).map((x) => x.action), ['worker', 'worker_completed']);
  const errors = h.drafts().filter((x) => x.category === 'system' && x.action === 'error');
  t.is(errors.length, 1);
  t.is(errors[0]?.data.error, result?.output);
  t.is(errors[0]?.source?.agent_type, 'team_supervisor');
  const ctx = supervisor(h).context;
  t.is(ctx.stats.errors, 1);
  // Both model turns were made (the second asked for more calls) and both count.
  t.is(ctx.stats.model_calls, 2);
  t.is(ctx.current, null);
  t.is(supervisor(h).value, 'idle');
});
