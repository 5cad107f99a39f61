import test from 'ava';
import { RunRuntime } from '../src/host/run-runtime.ts';
import type { RunOutcome } from '../src/domain/run-records.ts';
import { SqlEventLog } from '../src/store/sql-event-log.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { launchOf, readRunEvents, RecordingPersistence, runPlan, teamPlan } from './helpers/plans.ts';

const sqlite = useSqliteEventLog();
let log: SqlEventLog;
test.before(async () => {
  await sqlite.ready;
  log = sqlite.log;
});

/** Records how many runs were executing at once (between markRunning and finish). */
class ConcurrencyProbe extends RecordingPersistence {
  executing = 0;
  peak = 0;
  readonly started: number[] = [];
  override async markRunning(runId: number): Promise<void> {
    this.executing++;
    this.peak = Math.max(this.peak, this.executing);
    this.started.push(runId);
    await super.markRunning(runId);
  }
  override async finish(runId: number, outcome: RunOutcome): Promise<boolean> {
    if (this.calls.some((c) => c.method === 'markRunning' && c.runId === runId)) this.executing--;
    return super.finish(runId, outcome);
  }
}

const slow = { workers: { Ada: { tokenDelayMs: 2, replyTokens: 30 } } };

test('at most maxConcurrentRuns execute; the rest wait in start order; a queued run can be cancelled', async (t) => {
  const probe = new ConcurrencyProbe();
  const runtime = new RunRuntime({ eventLog: log, logger: silentLogger, persistenceFor: () => probe, maxConcurrentRuns: 2 });
  const ids = [201, 202, 203, 204, 205];
  const done = ids.map((id) => runtime.start(launchOf(runPlan(id, { teams: [teamPlan('Alpha', ['Ada'], slow)] }))));
  t.is(runtime.activeCount, 5);
  t.is(runtime.queuedCount, 3);
  t.like(runtime.inspect('tenant-a', 204), { id: 'run:204', kind: 'run', status: 'queued', state: { queued: 2 }, children: [] });
  t.true(runtime.isLive('tenant-a', 205));
  t.false(runtime.cancel('tenant-b', 204), 'another tenant cannot cancel a queued run');
  t.true(runtime.cancel('tenant-a', 204));
  const outcomes = await Promise.all(done);
  t.deepEqual(outcomes.map((o) => o.status), ['completed', 'completed', 'completed', 'cancelled', 'completed']);
  t.is(probe.peak, 2);
  t.deepEqual(probe.started.filter((id) => id !== 204), [201, 202, 203, 205], 'queued runs start in order');
  // The cancelled queued run never ran, yet recorded its end and streamed its terminal event.
  const events = await readRunEvents(log, 204);
  t.deepEqual(events.map((e) => `${e.event.category}.${e.event.action}`), ['lifecycle.cancelled']);
  t.is(runtime.activeCount, 0);
  t.is(runtime.queuedCount, 0);
});

test('shutdown cancels queued runs as well as running ones', async (t) => {
  const probe = new ConcurrencyProbe();
  const runtime = new RunRuntime({ eventLog: log, logger: silentLogger, persistenceFor: () => probe, maxConcurrentRuns: 1 });
  const done = [301, 302, 303].map((id) => runtime.start(launchOf(runPlan(id, { teams: [teamPlan('Alpha', ['Ada'], slow)] }))));
  await runtime.shutdown(5000);
  t.deepEqual((await Promise.all(done)).map((o) => o.status), ['cancelled', 'cancelled', 'cancelled']);
  t.is(runtime.activeCount, 0);
  t.throws(() => runtime.start(launchOf(runPlan(304))), { message: /shutting down/ });
});

test('a run cancelled while queued does not hold up the next one while it records its end', async (t) => {
  let releaseFinish!: () => void;
  const held = new RecordingPersistence(new Promise<void>((resolve) => { releaseFinish = resolve; }));
  const probe = new ConcurrencyProbe();
  // Run 402's end is recorded through `held`, which waits until released.
  const runtime = new RunRuntime({
    eventLog: log, logger: silentLogger, maxConcurrentRuns: 1,
    persistenceFor: (tenant) => (tenant === 'held' ? held : probe),
  });
  const first = runtime.start(launchOf(runPlan(401, { teams: [teamPlan('Alpha', ['Ada'], slow)] })));
  const cancelled = runtime.start(launchOf({ ...runPlan(402), tenantId: 'held' }));
  const third = runtime.start(launchOf(runPlan(403, { teams: [teamPlan('Alpha', ['Ada'], slow)] })));
  t.true(runtime.cancel('held', 402));
  await held.finishCalled;
  t.is((await first).status, 'completed');
  t.is((await third).status, 'completed', 'run 403 ran while 402 was still recording its end');
  releaseFinish();
  t.is((await cancelled).status, 'cancelled');
  t.deepEqual(probe.started, [401, 403]);
});
