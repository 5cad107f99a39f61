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
  t.deepEqual(await other.recover(), { interrupted: 0, recorded: 0, ownerLost: 0 });
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { status: 'pending', owner: host.processId });
  t.true(await ownership.heartbeat(host.processId, new Date(), timings.leaseMs));
});
