import test from 'ava';
import { createActor, toPromise } from 'xstate';
import { runMachine, runMachineRestoredWith } from '../src/actors/run-machine.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import { BUDGET_LEDGER_SYSTEM_ID, type LedgerSnapshot } from '../src/actors/budget-ledger-actor.ts';
import type { RunPlan } from '../src/actors/run-plan.ts';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { dataPlan, readRunEvents, RecordingPersistence, runPlan, teamPlan, testResources } from './helpers/plans.ts';

// The run's budget ledger is part of its checkpoint: a run restored from one goes on charging
// the spend it had, without the reservations of the calls that were in flight (they reserve again).

const sqlite = useSqliteEventLog();

function budgetedPlan(runId: number): RunPlan {
  const paced = { tokenDelayMs: 2, replyTokens: 12 };
  return runPlan(runId, {
    executionMode: 'parallel',
    teams: [teamPlan('Alpha', ['Ada', 'Bob'], { supervisor: paced, workers: { Ada: paced, Bob: paced } })],
    budgets: { run: { max_model_calls: 1000 }, teams: { Alpha: { max_tokens: 1_000_000 } }, agents: {}, defaultOutputTokens: 500 },
  });
}

const ledgerIn = (persisted: any): LedgerSnapshot => persisted.children[BUDGET_LEDGER_SYSTEM_ID].snapshot;

test('a checkpoint carries the ledger; restored, the run keeps its spend, drops open reservations and charges on', async (t) => {
  await sqlite.ready;
  const plan = budgetedPlan(2100);
  const writer = new RunEventWriter(plan.runId, sqlite.log, (err) => { throw err; });
  const resources = testResources(plan, writer, new RecordingPersistence());
  const actor = createActor(runMachine, { input: { plan: dataPlan(plan), resources } }).start();
  // Caught with work in flight: some calls settled, at least one reserved and not yet answered.
  const deadline = Date.now() + 10_000;
  let json = '';
  for (;;) {
    const persisted = actor.getPersistedSnapshot();
    const ledger = ledgerIn(persisted).ledger;
    if (ledger.spent.run!.model_calls >= 1 && Object.keys(ledger.reservations).length >= 1) {
      json = JSON.stringify(persisted);
      break;
    }
    if (Date.now() > deadline || actor.getSnapshot().status !== 'active') throw new Error('never caught a run with a call in flight');
    await new Promise((resolve) => setImmediate(resolve));
  }
  actor.stop();
  await writer.drain();
  const at = ledgerIn(JSON.parse(json)).ledger;
  t.is(at.runId, 2100);
  t.deepEqual(at.limits, { run: { max_model_calls: 1000 }, 'team:Alpha': { max_tokens: 1_000_000 } });
  t.false(/"reply"/.test(json), 'no reply function is in a checkpoint');

  const writer2 = new RunEventWriter(plan.runId, sqlite.log, (err) => { throw err; }, writer.lastSequence + 1);
  const resources2 = testResources(plan, writer2, new RecordingPersistence());
  const restored = createActor(runMachineRestoredWith(resources2), { snapshot: JSON.parse(json), input: { plan: dataPlan(plan), resources: resources2 } });
  const onRestore = (restored.system.get(BUDGET_LEDGER_SYSTEM_ID)!.getSnapshot() as LedgerSnapshot).ledger;
  t.deepEqual(onRestore.reservations, {});
  t.deepEqual(onRestore.spent, at.spent);
  restored.start();
  const outcome = await toPromise(restored);
  t.is(outcome.status, 'completed');
  const spend = (outcome.statistics as any).spend;
  t.true(spend.run.spent.model_calls > at.spent.run!.model_calls);
  t.true(spend['team:Alpha'].spent.tokens > at.spent['team:Alpha']!.tokens);
  await writer2.drain();
});

test('a run\'s own max_duration_ms ends it at that instant, failed budget_exhausted, announced once', async (t) => {
  await sqlite.ready;
  const slow = { tokenDelayMs: 20, replyTokens: 200 };
  const plan = runPlan(2101, {
    teams: [teamPlan('Alpha', ['Ada'], { supervisor: slow, workers: { Ada: slow } })],
    budgets: { run: { max_duration_ms: 300 }, teams: {}, agents: {}, defaultOutputTokens: 500 },
  });
  const writer = new RunEventWriter(plan.runId, sqlite.log, (err) => { throw err; });
  const persistence = new RecordingPersistence();
  const started = Date.now();
  const outcome = await toPromise(createActor(runMachine, { input: { plan: dataPlan(plan), resources: testResources(plan, writer, persistence) } }).start());
  const took = Date.now() - started;
  t.like(outcome, { status: 'failed', errorCode: 'budget_exhausted' });
  t.regex(outcome.error!, /^budget exhausted: max_duration_ms of the run/);
  t.true(took >= 300 && took < 3000, `ended after ${took} ms`);
  t.like(persistence.calls.find((c) => c.method === 'finish')?.outcome, { errorCode: 'budget_exhausted' });
  const events = await readRunEvents(sqlite.log, plan.runId);
  const budget = events.filter((e) => e.event.category === 'budget');
  const exhausted = budget.filter((e) => e.event.action === 'exhausted');
  t.is(exhausted.length, 1);
  t.like(exhausted[0]!.data, { scope: 'run', limit: 'max_duration_ms', max: 300 });
  // A call that ended past 80 % of the time warned first (the slow model's calls take ~4 s, so one may not have).
  t.true(budget.every((e) => e === exhausted[0] || (e.event.action === 'warning' && e.data.limit === 'max_duration_ms')), JSON.stringify(budget));
  t.like(events.at(-1), { event: { category: 'lifecycle', action: 'failed' }, data: { error_code: 'budget_exhausted' } });
});

test('a worker tool call under a spent budget is not made: the worker ends budget_exhausted, the run goes on', async (t) => {
  await sqlite.ready;
  const alpha = teamPlan('Alpha', ['Ada']);
  const ada = { ...alpha.workers[0]!, tools: ['calculator'] };
  const plan = runPlan(2102, {
    task: 'What is (12 + 30) * 2 exactly?',
    teams: [{ ...alpha, workers: [ada] }],
    // Its one model call asks for the calculator: the call is spent, so the tool call is refused.
    budgets: { teams: {}, agents: { [ada.agentId]: { max_model_calls: 1 } }, defaultOutputTokens: 500 },
  });
  const writer = new RunEventWriter(plan.runId, sqlite.log, (err) => { throw err; });
  const outcome = await toPromise(createActor(runMachine, { input: { plan: dataPlan(plan), resources: testResources(plan, writer, new RecordingPersistence()) } }).start());
  t.is(outcome.status, 'completed');
  const stats = outcome.statistics as any;
  t.like(stats.agents[ada.agentId], { model_calls: 1, outcome: { status: 'budget_exhausted' }, spend: { model_calls: 1, tool_calls: 0 } });
  await writer.drain();
  const events = await readRunEvents(sqlite.log, plan.runId);
  t.true(events.some((e) => e.event.action === 'tool_call' && e.source?.agent_id === ada.agentId), 'the model asked for the tool');
  t.false(events.some((e) => e.event.action === 'tool_result' && e.data.result === '84'), 'the tool never ran');
  t.like(events.find((e) => e.event.category === 'budget')?.data, { scope: `agent:${ada.agentId}`, limit: 'max_model_calls', spent: 1, max: 1 });
});
