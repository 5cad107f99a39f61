import test from 'ava';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { contextFor, makeEvents, TestResponse, waitFor } from './helpers/sse-responses.ts';
import { streamToSse, type SseOptions } from '../src/http/sse-bridge.ts';
import { SseConnectionSlots } from '../src/http/sse-connections.ts';
import { UnavailableError } from '../src/errors/app-error.ts';
import type { EventLog } from '../src/events/event-log.ts';

const sqlite = useSqliteEventLog();
test.before(async () => {
  await sqlite.ready;
});

test('slots: taken up to the maximum, each given back once however often it is released', (t) => {
  const slots = new SseConnectionSlots(2);
  const a = slots.tryAcquire();
  const b = slots.tryAcquire();
  t.truthy(a);
  t.truthy(b);
  t.is(slots.tryAcquire(), undefined);
  t.is(slots.active, 2);
  a!();
  a!();
  t.is(slots.active, 1);
  t.truthy(slots.tryAcquire());
  t.is(slots.active, 2);
  t.throws(() => new SseConnectionSlots(0), { instanceOf: RangeError });
});

test.serial('the open-stream count is exact: every way a stream ends gives its slot back, and a full process refuses with 503', async (t) => {
  const log = sqlite.log;
  const slots = new SseConnectionSlots(3);
  const options: SseOptions = { heartbeatMs: 60_000, maxBufferedFrames: 10_000, maxBufferedBytes: 64 * 1024, stallTimeoutMs: 50, connections: slots };
  const open = (runId: number, after: number, ended: boolean, res = new TestResponse(), eventLog: EventLog = log) => {
    streamToSse(contextFor(res), eventLog, runId, after, ended, options);
    return res;
  };

  // 1. A live stream closed after its run's terminal event.
  const liveRun = 930_001;
  const live = open(liveRun, 0, false);
  t.is(slots.active, 1);
  await waitFor(() => log.subscriberCount() === 1, 'the live subscription');
  await log.append(liveRun, makeEvents(liveRun, 1, 2, { terminalAt: 2 }));
  await waitFor(() => live.ended, 'the live stream to close');
  t.is(slots.active, 0);

  // 2. An ended run's history, then close.
  const replay = open(liveRun, 0, true);
  t.is(slots.active, 1);
  await waitFor(() => replay.ended, 'the replayed stream to close');
  t.is(slots.active, 0);

  // 3. A client that went away.
  const gone = open(930_002, 0, false);
  t.is(slots.active, 1);
  gone.destroy();
  t.is(slots.active, 0);

  // 4. A response already gone when the stream starts.
  const dead = new TestResponse();
  dead.destroyed = true;
  open(930_002, 0, false, dead);
  t.is(slots.active, 0);

  // 5. A stalled live client cut off past its byte bound.
  const stalledRun = 930_003;
  const stalled = new TestResponse();
  stalled.accepting = false;
  open(stalledRun, 0, false, stalled);
  await waitFor(() => log.subscriberCount() === 1, 'the stalled subscription');
  for (let seq = 1; seq <= 30 && !stalled.destroyed; seq += 10) await log.append(stalledRun, makeEvents(stalledRun, seq, seq + 9, { size: 4096 }));
  t.true(stalled.destroyed);
  t.is(slots.active, 0);

  // 6. A client that reads nothing of a history, given up after the stall timeout.
  const stuck = new TestResponse();
  stuck.accepting = false;
  open(stalledRun, 0, true, stuck);
  await waitFor(() => stuck.destroyed, 'the stall timeout');
  t.is(slots.active, 0);

  // 7. The log fails: an error frame, and the end.
  const failing: EventLog = {
    append: (runId, events) => log.append(runId, events),
    read: () => Promise.reject(new Error('disk on fire')),
    last: () => Promise.reject(new Error('disk on fire')),
    subscribe: (runId, after, handlers) => log.subscribe(runId, after, handlers),
    markEnded: (runId) => log.markEnded(runId),
    deleteRuns: (ids) => log.deleteRuns(ids),
    subscriberCount: () => log.subscriberCount(),
    close: () => log.close(),
  };
  const errored = open(stalledRun, 0, true, new TestResponse(), failing);
  await waitFor(() => errored.ended, 'the failed stream to end');
  t.regex(errored.text(), /event: error\ndata: \{"error":"disk on fire"\}/);
  t.is(slots.active, 0);

  // 8. Full: a fourth stream is refused before anything is written, and told when to retry.
  const held = [open(930_004, 0, false), open(930_004, 0, false), open(930_004, 0, false)];
  t.is(slots.active, 3);
  const refused = new TestResponse();
  const ctx = contextFor(refused);
  const err = t.throws(() => streamToSse(ctx, log, 930_004, 0, false, options), { instanceOf: UnavailableError });
  t.is(err?.status, 503);
  t.is(err?.errorCode, 'TOO_MANY_STREAMS');
  t.is(err?.retryAfterSeconds, 5, 'the error middleware answers it as Retry-After');
  t.deepEqual(refused.chunks, [], 'nothing written to the refused client');
  t.is(slots.active, 3, 'the refusal holds no slot');
  held[0]!.destroy();
  t.is(slots.active, 2);
  const admitted = open(930_004, 0, false);
  t.is(slots.active, 3);
  for (const res of [...held, admitted]) res.destroy();
  t.is(slots.active, 0);
  t.is(log.subscriberCount(), 0);
});
