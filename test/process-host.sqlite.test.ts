import test from 'ava';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { ProcessHost } from '../src/host/process-host.ts';
import { RunRuntime } from '../src/host/run-runtime.ts';
import { SqlRunOwnership } from '../src/store/run-ownership-store.ts';
import { silentLogger } from '../src/logging/logger.ts';
import type { EventLog } from '../src/events/event-log.ts';

const fixture = useSqliteEventLog();
const timings = { heartbeatMs: 60_000, leaseMs: 6000, sweepMs: 60_000 };

function hostOn(eventLog: EventLog, ownership: SqlRunOwnership): ProcessHost {
  const runtime = new RunRuntime({
    eventLog, logger: silentLogger,
    persistenceFor: () => ({ markRunning: async () => {}, finish: async () => true, markEnded: async () => {} }),
  });
  return new ProcessHost({ runtime, ownership, eventLog, logger: silentLogger, timings, queueing: false, isQueued: async () => false });
}

test.serial('a lapsed run whose end cannot be written is handed back, and a later sweep ends it', async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  await ownership.register('dead-owner', 'gone', new Date(Date.now() - 60_000));
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: 'dead-owner' });
  const log = fixture.log;
  const broken: EventLog = {
    append: async () => { throw new Error('the log is down'); },
    read: (id, range) => log.read(id, range),
    last: (id) => log.last(id),
    subscribe: (id, after, handlers) => log.subscribe(id, after, handlers),
    markEnded: (id) => log.markEnded(id),
    deleteRuns: (ids) => log.deleteRuns(ids),
    subscriberCount: () => log.subscriberCount(),
    close: async () => {},
  };
  const failing = hostOn(broken, ownership);
  await failing.start();
  t.teardown(() => failing.stop());
  t.is(await failing.sweep(), 0);
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { status: 'pending', owner: 'dead-owner' });
  t.true((await ownership.lapsedRuns(new Date(), timings.leaseMs, 100)).some((r) => r.id === run.id), 'still lapsed, for a later sweep');

  const working = hostOn(log, ownership);
  await working.start();
  t.teardown(() => working.stop());
  t.is(await working.sweep(), 1);
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { status: 'failed', error: 'owner lost', owner: working.processId });
  t.deepEqual((await log.read(run.id)).map((e) => `${e.sequence}:${e.category}.${e.action}`), ['1:lifecycle.failed']);
});

test.serial('a live process\'s runs are never swept; its own lease renews', async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  const host = hostOn(fixture.log, ownership);
  await host.start();
  t.teardown(() => host.stop());
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: host.processId });
  const other = hostOn(fixture.log, ownership);
  await other.start();
  t.teardown(() => other.stop());
  t.is(await other.sweep(), 0);
  t.deepEqual(await other.recover(), { interrupted: 0, recorded: 0, ownerLost: 0, resumed: 0 });
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { status: 'pending', owner: host.processId });
  t.true(await ownership.heartbeat(host.processId, new Date(), timings.leaseMs));
});

test.serial('a stalled job heard after its run was resumed leaves the run with the process that resumed it', async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  const resumer = hostOn(fixture.log, ownership);
  await resumer.start();
  t.teardown(() => resumer.stop());
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: 'killed-owner' });
  // The killed owner's lease lapsed and `resumer` resumed the run (it executes it under no job).
  const entry = { at: new Date().toISOString(), from_process: 'killed-owner', to_process: resumer.processId, reason: 'lease lapsed', checkpoint_sequence: 3 };
  t.deepEqual(await ownership.claimForResume(run.id, 'killed-owner', resumer.processId, entry), [entry]);
  // Then every process hears of the killed owner's stalled job: none takes the run from the resumer.
  const other = hostOn(fixture.log, ownership);
  await other.start();
  t.teardown(() => other.stop());
  t.false(await other.endLockLost(run.id));
  t.false(await resumer.endLockLost(run.id));
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { status: 'pending', owner: resumer.processId });
  t.deepEqual(await ownership.resumesOf(run.id), [entry], 'no further resume recorded');
  t.deepEqual(await fixture.log.read(run.id), [], 'nothing written');
});

test.serial('a run whose job lock lapsed and whose resume failed is offered again by the next sweep (its live owner\'s lease never lapses)', async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  const owner = hostOn(fixture.log, ownership);
  await owner.start();
  t.teardown(() => owner.stop());
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: owner.processId });
  const offered: Array<string | null> = [];
  const runtime = new RunRuntime({
    eventLog: fixture.log, logger: silentLogger,
    persistenceFor: () => ({ markRunning: async () => {}, finish: async () => true, markEnded: async () => {} }),
  });
  const other = new ProcessHost({
    runtime, ownership, eventLog: fixture.log, logger: silentLogger, timings, queueing: false, isQueued: async () => false,
    resume: async (lost, from) => {
      // Runs left lapsed by the earlier tests of this file are offered too: only this one counts.
      if (lost.id !== run.id) return { taken: true };
      offered.push(from);
      if (offered.length === 1) throw new Error('the database is down');
      t.truthy(await ownership.claimForResume(lost.id, from, other.processId, {
        at: new Date().toISOString(), from_process: from, to_process: other.processId, reason: 'job lock', checkpoint_sequence: null,
      }));
      return { taken: true };
    },
  });
  await other.start();
  t.teardown(() => other.stop());
  t.false(await other.endLockLost(run.id), 'not resumed: the attempt failed');
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { owner: owner.processId });
  await other.sweep();
  t.deepEqual(offered, [owner.processId, owner.processId], 'offered again by the sweep');
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { owner: other.processId });
  await other.sweep();
  t.is(offered.length, 2, 'once resumed, it is not offered again');
});
