import test from 'ava';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import { endLostRun } from '../src/host/lost-run-ending.ts';
import { SqlRunOwnership } from '../src/store/run-ownership-store.ts';
import type { EventDraft } from '../src/events/run-event.ts';
import type { EventLog } from '../src/events/event-log.ts';

const fixture = useSqliteEventLog();
const token = (content: string): EventDraft => ({ source: null, category: 'llm', action: 'stream', data: { content } });

test('a stale owner whose run was ended elsewhere writes nothing after the terminal event and stops', async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: 'stale' });
  const errors: Error[] = [];
  let lost = 0;
  const writer = new RunEventWriter(run.id, fixture.log, (err) => errors.push(err), 1, {
    stillOwned: () => ownership.owns(run.id, 'stale'),
    onLost: () => { lost++; },
  });
  writer.push({ source: null, category: 'lifecycle', action: 'started', data: {} });
  writer.push(token('a'));
  await writer.drain();
  // The owner's lease lapsed: another process claims the run and ends it after what it wrote.
  t.true(await ownership.claim(run.id, 'stale', 'sweeper'));
  const outcome = await endLostRun({ eventLog: fixture.log, ownership, processId: 'sweeper', runId: run.id, error: 'owner lost', reason: 'test' });
  t.like(outcome, { status: 'failed', error: 'owner lost' });
  // The stale owner wakes up and goes on streaming: its sequence 3 exists, so it is fenced off.
  writer.push(token('b'));
  await writer.drain();
  writer.push(token('c'));
  await writer.drain();
  t.true(writer.fenced);
  t.is(lost, 1);
  t.is(writer.lostCount, 0, 'it never skipped ahead to later sequences');
  const stored = await fixture.log.read(run.id);
  t.deepEqual(stored.map((e) => `${e.sequence}:${e.category}.${e.action}`), ['1:lifecycle.started', '2:llm.stream', '3:lifecycle.failed']);
  t.like(await fixture.db.store.forTenant('ta').runs.find(run.id), { status: 'failed', error: 'owner lost', owner: 'sweeper' });
});

test('ending a lost run re-reads the log when the stale owner wrote the next sequence first', async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: 'sweeper-2' });
  // A log whose `last` answers one event behind, as when the stale owner appends between the read and the append.
  const writer = new RunEventWriter(run.id, fixture.log, (err) => { throw err; });
  writer.push(token('x'));
  await writer.drain();
  let calls = 0;
  const log = fixture.log;
  const laggingLog: EventLog = {
    append: (id, events) => log.append(id, events),
    read: (id, range) => log.read(id, range),
    last: async (id) => (calls++ === 0 ? undefined : log.last(id)),
    subscribe: (id, after, handlers) => log.subscribe(id, after, handlers),
    markEnded: (id) => log.markEnded(id),
    deleteRuns: (ids) => log.deleteRuns(ids),
    subscriberCount: () => log.subscriberCount(),
    close: () => log.close(),
  };
  const outcome = await endLostRun({ eventLog: laggingLog, ownership, processId: 'sweeper-2', runId: run.id, error: 'owner lost', reason: 'test' });
  t.like(outcome, { status: 'failed' });
  t.true(calls >= 2, 'the conflicting append was retried after reading the log again');
  t.deepEqual((await fixture.log.read(run.id)).map((e) => `${e.sequence}:${e.action}`), ['1:stream', '2:failed']);
});
