import test from 'ava';
import { createActor, toPromise, waitFor, type AnyActorRef } from 'xstate';
import { runMachine } from '../src/actors/run-machine.ts';
import { RunRuntime } from '../src/host/run-runtime.ts';
import { describeActor, type ActorNode } from '../src/actors/actor-tree.ts';
import { emitEvent } from '../src/actors/agent-messages.ts';
import type { AgentStats } from '../src/actors/agent-stats.ts';
import { MAX_CONTEXT_FIELDS } from '../src/actors/agent-loop.ts';
import type { RunPlan } from '../src/actors/run-plan.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import type { EventDraft } from '../src/events/run-event.ts';
import type { RunOutcome } from '../src/domain/run-records.ts';
import { SqlEventLog } from '../src/store/sql-event-log.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { dataPlan, globalSupervisorPlan, launchOf, readRunEvents, RecordingPersistence, runPlan, teamPlan, testResources } from './helpers/plans.ts';

const sqlite = useSqliteEventLog();
let log: SqlEventLog;
test.before(async () => {
  await sqlite.ready;
  log = sqlite.log;
});

function startRun(plan: RunPlan, persistence = new RecordingPersistence()) {
  const writerErrors: Error[] = [];
  const writer = new RunEventWriter(plan.runId, log, (err) => writerErrors.push(err));
  const actor = createActor(runMachine, { input: { plan: dataPlan(plan), resources: testResources(plan, writer, persistence) } }).start();
  return { actor, writer, persistence, writerErrors, done: toPromise(actor) };
}

type Run = ReturnType<typeof startRun>;
const childOf = (ref: AnyActorRef, id: string) => (ref.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children[id];
const globalOf = (run: Run) => childOf(run.actor, 'global-supervisor')!;
/** The agent actors of a tree (model calls in flight left out). */
const agentsOf = (node: ActorNode): ActorNode[] => node.children.filter((c) => c.kind !== 'model_call');

test('a run completes: persistence in order, events 1..n from started to completed', async (t) => {
  const run = startRun(runPlan(101));
  const outcome = await run.done;
  t.is(outcome.status, 'completed');
  t.true(outcome.result?.startsWith('Synthesis of 1 results for task: Summarise the quarterly report.'), outcome.result ?? '');
  t.deepEqual(run.persistence.calls.map((c) => [c.method, c.runId, c.outcome?.status]), [
    ['markRunning', 101, undefined], ['finish', 101, 'completed'], ['markEnded', 101, undefined],
  ]);
  const events = await readRunEvents(log, 101);
  t.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1));
  t.is(events.length, run.writer.lastSequence);
  t.deepEqual(events.slice(0, 2).map((e) => `${e.event.category}.${e.event.action}`), ['lifecycle.started', 'system.topology']);
  t.deepEqual(events[0]?.data, { task: 'Summarise the quarterly report' });
  const last = events.at(-1)!;
  t.is(`${last.event.category}.${last.event.action}`, 'lifecycle.completed');
  t.is(last.data.result, outcome.result);
  t.is(events.filter((e) => e.event.category === 'lifecycle').length, 2);
  t.true(events.every((e) => e.run_id === 101));
  t.deepEqual(run.writerErrors, []);
  t.is(run.actor.getSnapshot().status, 'done');
});

test('the terminal event stays last when agents emit late', async (t) => {
  const hold = Promise.withResolvers<void>();
  const run = startRun(runPlan(102), new RecordingPersistence(hold.promise));
  const sink = run.actor.system.get('sink') as AnyActorRef;
  await run.persistence.finishCalled;
  const late: EventDraft = { source: { agent_id: 'w-alpha-ada', agent_type: 'worker', agent_name: 'Ada', team_name: 'Alpha' }, category: 'llm', action: 'stream', data: { content: ' late' } };
  sink.send(emitEvent([late]));
  hold.resolve();
  await run.done;
  // After the end: the sink is stopped and the writer closed, so nothing more is stored.
  sink.send(emitEvent([late]));
  t.is(run.writer.push(late), undefined);
  t.is(run.writer.droppedCount, 1);
  await run.writer.drain();
  const events = await readRunEvents(log, 102);
  t.is(events.at(-1)?.event.action, 'completed');
  t.is(events.at(-2)?.data.content, ' late');
  t.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1));
  t.is(events.filter((e) => e.data.content === ' late').length, 1);
});

test('CANCEL mid-run stops the tree, records cancelled and stores nothing after it', async (t) => {
  const plan = runPlan(103, { teams: [teamPlan('Alpha', ['Ada', 'Bob'], { workers: { Ada: { tokenDelayMs: 5, replyTokens: 200 } } })] });
  const run = startRun(plan);
  const global = globalOf(run);
  await waitFor(global, (s) => s.value === 'delegating');
  const team = childOf(global, 'team:s-alpha')!;
  const ada = childOf(team, 'worker:w-alpha-ada')!;
  await waitFor(ada, (s) => s.value === 'working');
  // Cancel once Ada's answer is streaming (seen in the log).
  const streaming = Promise.withResolvers<void>();
  const subscription = log.subscribe(103, 0, {
    onEvents: (batch) => {
      if (batch.some((e) => e.action === 'stream' && e.json.includes('"agent_name":"Ada"'))) streaming.resolve();
    },
  });
  t.teardown(() => subscription.close());
  await streaming.promise;
  run.actor.send({ type: 'CANCEL' });
  const outcome = await run.done;
  t.is(outcome.status, 'cancelled');
  t.deepEqual(run.persistence.calls.map((c) => `${c.method}:${c.outcome?.status ?? ''}`), ['markRunning:', 'finish:cancelled', 'markEnded:']);
  const snapshot = run.actor.getSnapshot();
  t.is(snapshot.status, 'done');
  t.true(Object.values(snapshot.children).every((c) => !c || c.getSnapshot().status !== 'active'));
  for (const ref of [global, team, ada]) t.is(ref.getSnapshot().status, 'stopped');
  // The tree captured at cancel time shows the worker busy.
  const tree = outcome.statistics?.actor_tree as ActorNode;
  t.is(agentsOf(agentsOf(agentsOf(tree)[1]!)[0]!)[0]?.state, 'working');
  const events = await readRunEvents(log, 103);
  t.is(events.at(-1)?.event.action, 'cancelled');
  t.true(events.some((e) => e.event.action === 'stream' && e.source?.agent_name === 'Ada'));
  // Ada's 200-token answer was cut short, and nothing comes later: not after a macrotask, nor
  // after a whole other run (many token delays) has been through the same log.
  t.true(events.filter((e) => e.event.action === 'stream' && e.source?.agent_name === 'Ada').length < 200);
  await new Promise<void>((resolve) => setImmediate(resolve));
  t.is((await startRun(runPlan(110)).done).status, 'completed');
  await run.writer.drain();
  const again = await readRunEvents(log, 103);
  t.is(again.length, events.length);
  t.is(run.writer.lastSequence, events.length);
});

test('a run that exceeds its time limit fails', async (t) => {
  const slow = { tokenDelayMs: 50 };
  const run = startRun(runPlan(104, { timeoutMs: 200, globalSupervisor: globalSupervisorPlan(slow), teams: [teamPlan('Alpha', ['Ada'], { supervisor: slow })] }));
  const outcome = await run.done;
  t.is(outcome.status, 'failed');
  t.is(outcome.error, 'run exceeded its time limit of 200 ms');
  t.regex(outcome.error ?? '', /time limit/);
  const last = (await readRunEvents(log, 104)).at(-1);
  t.is(last?.event.action, 'failed');
  t.is(last?.data.error, outcome.error);
  t.is(run.persistence.calls.find((c) => c.method === 'finish')?.outcome?.status, 'failed');
});

test("the global supervisor's model failing fails the run with its error", async (t) => {
  const plan = runPlan(105, { task: 'Audit everything XFAIL', globalSupervisor: globalSupervisorPlan({ failMarker: 'XFAIL' }) });
  const run = startRun(plan);
  const outcome = await run.done;
  t.is(outcome.status, 'failed');
  t.is(outcome.error, 'Simulated failure: prompt contains fail marker "XFAIL"');
  const events = await readRunEvents(log, 105);
  const error = events.find((e) => e.event.category === 'system' && e.event.action === 'error');
  t.is(error?.source?.agent_type, 'global_supervisor');
  t.is(error?.data.error, outcome.error);
  t.false(events.some((e) => e.event.category === 'dispatch'));
  t.is(events.at(-1)?.event.action, 'failed');
  t.is(events.at(-1)?.data.error, outcome.error);
});

test('statistics: one entry per agent and totals that are their sums', async (t) => {
  const plan = runPlan(106, { teams: [teamPlan('Alpha', ['Ada', 'Bob']), teamPlan('Beta', ['Cy'])] });
  const outcome = await startRun(plan).done;
  t.is(outcome.status, 'completed');
  const stats = outcome.statistics as { agents: Record<string, AgentStats & { kind: string }>; totals: AgentStats };
  t.deepEqual(Object.keys(stats.agents).sort(), ['g-global', 's-alpha', 's-beta', 'w-alpha-ada', 'w-alpha-bob', 'w-beta-cy']);
  const agents = Object.values(stats.agents);
  for (const key of ['model_calls', 'input_tokens', 'output_tokens', 'tasks', 'errors'] as const) {
    t.is(stats.totals[key], agents.reduce((sum, a) => sum + a[key], 0), key);
  }
  // global: 2 delegations + synthesis; Alpha: 2 + 1; Beta: 1 + 1; three workers once each.
  t.deepEqual(Object.fromEntries(Object.entries(stats.agents).map(([id, a]) => [id, a.model_calls])), {
    'g-global': 3, 's-alpha': 3, 's-beta': 2, 'w-alpha-ada': 1, 'w-alpha-bob': 1, 'w-beta-cy': 1,
  });
  t.is(stats.totals.model_calls, 11);
  t.is(stats.agents['s-beta']?.kind, 'team_supervisor');
  const completed = (await readRunEvents(log, 106)).at(-1);
  t.deepEqual((completed?.data.statistics as { totals: AgentStats }).totals, stats.totals);
});

test('the inspect tree mirrors run → sink + global supervisor → teams → workers', async (t) => {
  const plan = runPlan(107, { teams: [teamPlan('Alpha', ['Ada', 'Bob']), teamPlan('Beta', ['Cy'])] });
  const run = startRun(plan);
  await waitFor(globalOf(run), (s) => s.value === 'delegating');
  const tree = describeActor('run:107', run.actor);
  t.is(tree.kind, 'run');
  t.is(tree.state, 'running');
  t.deepEqual(agentsOf(tree).map((c) => [c.id, c.kind]), [['sink', 'sink'], ['global-supervisor', 'global_supervisor']]);
  const global = agentsOf(tree)[1]!;
  t.is(global.state, 'delegating');
  t.is(global.busy_with, plan.task);
  t.deepEqual(agentsOf(global).map((c) => [c.id, c.kind, c.team_name]), [['team:s-alpha', 'team_supervisor', 'Alpha'], ['team:s-beta', 'team_supervisor', 'Beta']]);
  t.deepEqual(agentsOf(agentsOf(global)[0]!).map((c) => [c.id, c.kind, c.agent_name, c.role]), [
    ['worker:w-alpha-ada', 'worker', 'Ada', 'ada specialist'], ['worker:w-alpha-bob', 'worker', 'Bob', 'bob specialist'],
  ]);
  t.deepEqual(agentsOf(agentsOf(global)[1]!).map((c) => c.id), ['worker:w-beta-cy']);
  t.deepEqual(agentsOf(agentsOf(agentsOf(global)[0]!)[0]!), []);
  t.is((await run.done).status, 'completed');
});

test('RunRuntime cancels only the run named, for its tenant only', async (t) => {
  const persistence = new Map<string, RecordingPersistence>();
  const runtime = new RunRuntime({
    eventLog: log,
    logger: silentLogger,
    persistenceFor: (tenant) => persistence.get(tenant) ?? persistence.set(tenant, new RecordingPersistence()).get(tenant)!,
  });
  const slowWorkers = { workers: { Ada: { tokenDelayMs: 5, replyTokens: 100 } } };
  const first = runtime.start(launchOf(runPlan(108, { teams: [teamPlan('Alpha', ['Ada'], slowWorkers)] })));
  const second = runtime.start(launchOf(runPlan(109)));
  t.is(runtime.activeCount, 2);
  t.false(runtime.cancel('tenant-b', 108));
  t.false(runtime.cancel('tenant-a', 999));
  t.is(runtime.inspect('tenant-b', 108), null);
  t.is(runtime.inspect('tenant-a', 108)?.id, 'run:108');
  t.true(runtime.isLive('tenant-a', 108));
  t.true(runtime.cancel('tenant-a', 108));
  const [a, b] = await Promise.all([first, second]);
  t.is(a.status, 'cancelled');
  t.is(b.status, 'completed');
  t.is(runtime.activeCount, 0);
  t.is(runtime.inspect('tenant-a', 108), null);
  t.is(runtime.inspect('tenant-a', 109), null);
  t.false(runtime.cancel('tenant-a', 109));
  t.is(runtime.whenDone(108), undefined);
  t.is((await readRunEvents(log, 108)).at(-1)?.event.action, 'cancelled');
  t.is((await readRunEvents(log, 109)).at(-1)?.event.action, 'completed');
  t.deepEqual(persistence.get('tenant-a')?.calls.filter((c) => c.method === 'finish').map((c) => [c.runId, c.outcome?.status]).sort(), [
    [108, 'cancelled'], [109, 'completed'],
  ]);
});

/** A store that cannot record the end of a run (the database is gone). */
class FailingFinishPersistence extends RecordingPersistence {
  override async finish(runId: number, outcome: RunOutcome): Promise<boolean> {
    await super.finish(runId, outcome);
    throw new Error('database unreachable');
  }
}

test('when recording the end fails (after retries), the terminal event is still streamed last', async (t) => {
  const persistence = new FailingFinishPersistence();
  const run = startRun(runPlan(111), persistence);
  const outcome = await run.done;
  t.is(outcome.status, 'completed');
  t.is(run.actor.getSnapshot().context.finaliseError, 'Error: database unreachable');
  t.is(persistence.calls.filter((c) => c.method === 'finish').length, 4, 'one attempt and three retries');
  t.is(persistence.calls.at(-1)?.method, 'markEnded');
  const events = await readRunEvents(log, 111);
  t.is(`${events.at(-1)!.event.category}.${events.at(-1)!.event.action}`, 'lifecycle.completed');
  t.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1));
});

test("every agent's context stays within MAX_CONTEXT_FIELDS top-level fields, through a whole run", async (t) => {
  const plan = runPlan(131, { executionMode: 'parallel', teams: [teamPlan('Alpha', ['Ada', 'Bob']), teamPlan('Beta', ['Cy'])] });
  const run = startRun(plan);
  const widest = new Map<string, number>();
  const visit = (ref: AnyActorRef) => {
    const snapshot = ref.getSnapshot() as { context?: { agent?: { agentId: string } }; children?: Record<string, AnyActorRef | undefined> };
    const agentId = snapshot.context?.agent?.agentId;
    if (agentId) widest.set(agentId, Math.max(widest.get(agentId) ?? 0, Object.keys(snapshot.context!).length));
    for (const child of Object.values(snapshot.children ?? {})) if (child) visit(child);
  };
  // Every snapshot of the run's tree, as each actor moves (their contexts are replaced on each assign).
  const subscription = run.actor.system.inspect((event) => { if (event.type === '@xstate.snapshot') visit(run.actor); });
  visit(run.actor);
  t.is((await run.done).status, 'completed');
  subscription.unsubscribe();
  t.deepEqual([...widest.keys()].sort(), ['g-global', 's-alpha', 's-beta', 'w-alpha-ada', 'w-alpha-bob', 'w-beta-cy']);
  for (const [agentId, fields] of widest) t.true(fields <= MAX_CONTEXT_FIELDS, `${agentId}: ${fields} fields`);
});
