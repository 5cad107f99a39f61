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

test("the run's new owner goes on after what the lost owner wrote past the takeover; a batch stored whose answer was lost is not written twice", async (t) => {
  await fixture.ready;
  const ownership = new SqlRunOwnership(fixture.db.store.orm);
  const run = await fixture.db.store.forTenant('ta').runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner: 'new-owner' });
  // The lost owner wrote 1..3; the new owner read the log's end at 1 (it resumed from there) and
  // starts at 2, while the lost owner's 2 and 3 land.
  const stale = new RunEventWriter(run.id, fixture.log, (err) => { throw err; });
  for (const c of ['s1', 's2', 's3']) stale.push(token(c));
  await stale.drain();
  let failNextAnswer = false;
  const log = fixture.log;
  // An append that is stored but whose answer is lost (the connection dropped after the commit).
  const flaky: EventLog = {
    append: async (id, events) => {
      await log.append(id, events);
      if (failNextAnswer) {
        failNextAnswer = false;
        throw new Error('connection reset after the commit');
      }
    },
    read: (id, range) => log.read(id, range),
    last: (id) => log.last(id),
    subscribe: (id, after, handlers) => log.subscribe(id, after, handlers),
    markEnded: (id) => log.markEnded(id),
    deleteRuns: (ids) => log.deleteRuns(ids),
    subscriberCount: () => log.subscriberCount(),
    close: () => log.close(),
  };
  const owner = new RunEventWriter(run.id, flaky, () => {}, 2, { stillOwned: () => ownership.owns(run.id, 'new-owner'), onLost: () => t.fail('the owner is not fenced') });
  owner.push({ source: null, category: 'lifecycle', action: 'resumed', data: {} });
  await owner.drain();
  failNextAnswer = true;
  owner.push(token('n1'));
  owner.push(token('n2'));
  await owner.drain();
  const stored = (await log.read(run.id)).map((e) => `${e.sequence}:${JSON.parse(e.json).data.content ?? e.action}`);
  t.deepEqual(stored, ['1:s1', '2:s2', '3:s3', '4:resumed', '5:n1', '6:n2']);
  t.false(owner.fenced);
  t.is(owner.lostCount, 0);
  t.is(owner.lastSequence, 6);
});
