import test from 'ava';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { contextFor, frameIds, makeEvents, range, SlowReadingResponse, TestResponse, waitFor } from './helpers/sse-responses.ts';
import { streamToSse, type SseOptions } from '../src/http/sse-bridge.ts';
import { HISTORY_PAGE, HISTORY_PAGE_BYTES, HISTORY_SLICE } from '../src/events/subscribe-with-history.ts';
import type { EventLog, SubscribeHandlers } from '../src/events/event-log.ts';
import type { StoredEvent } from '../src/events/run-event.ts';

const sqlite = useSqliteEventLog();
test.before(async () => {
  await sqlite.ready;
});

/** The real log, observed: the limits history reads ask for, and subscriptions that have caught up. */
function observed(log: EventLog) {
  const limits: number[] = [];
  let caughtUp = 0;
  const spy: EventLog = {
    append: (runId, events) => log.append(runId, events),
    last: (runId) => log.last(runId),
    read: (runId, range) => {
      limits.push(range?.limit ?? Infinity);
      return log.read(runId, range);
    },
    subscribe: (runId, after, handlers) => log.subscribe(runId, after, {
      ...handlers,
      onCaughtUp: () => {
        caughtUp++;
        handlers.onCaughtUp?.();
      },
    } satisfies SubscribeHandlers),
    markEnded: (runId) => log.markEnded(runId),
    deleteRuns: (ids) => log.deleteRuns(ids),
    subscriberCount: () => log.subscriberCount(),
    close: () => log.close(),
  };
  return { spy, limits, caughtUp: () => caughtUp };
}

const frameOf = (e: StoredEvent) => `id: ${e.id}\nevent: ${e.category}.${e.action}\ndata: ${e.json}\n\n`;

test.serial('a stalled client is cut off by bytes long before the frame bound; it resumes without loss', async (t) => {
  const log = sqlite.log;
  const { spy, caughtUp } = observed(log);
  const runId = 920_001;
  const options: SseOptions = { heartbeatMs: 60_000, maxBufferedFrames: 10_000, maxBufferedBytes: 64 * 1024 };
  const stalled = new TestResponse();
  stalled.accepting = false;
  const reader = new TestResponse();
  streamToSse(contextFor(stalled), spy, runId, 0, false, options);
  streamToSse(contextFor(reader), spy, runId, 0, false, options);
  await waitFor(() => caughtUp() === 2, 'both streams to be live');
  // 10 events of 4 KiB a batch: the second batch queues, the third passes 64 KiB.
  for (let seq = 1; seq <= 50; seq += 10) await log.append(runId, makeEvents(runId, seq, seq + 9, { size: 4096 }));
  await log.append(runId, makeEvents(runId, 51, 51, { terminalAt: 51 }));
  await waitFor(() => reader.ended, 'the reading client to get the end');
  t.true(stalled.destroyed, 'the stalled client was disconnected');
  const received = frameIds(stalled.text());
  t.true(received.length > 0 && received.length <= 20, `${received.length} frames reached the stalled client`);
  t.deepEqual(frameIds(reader.text()), range(1, 51));
  t.true(reader.text().endsWith('event: close\ndata: {}\n\n'));
  t.is(log.subscriberCount(), 0, 'the cut-off client holds no subscription');

  const resumed = new TestResponse();
  streamToSse(contextFor(resumed), spy, runId, received.at(-1)!, true, options);
  await waitFor(() => resumed.ended, 'the resumed stream to end');
  t.deepEqual([...received, ...frameIds(resumed.text())], range(1, 51));
});

test.serial('every subscriber of a run gets the same bytes: each batch encoded once, one write per batch per connection', async (t) => {
  const log = sqlite.log;
  const { spy, caughtUp } = observed(log);
  const runId = 920_002;
  const responses = Array.from({ length: 300 }, () => new TestResponse());
  for (const res of responses) streamToSse(contextFor(res), spy, runId, 0, false, { heartbeatMs: 60_000, maxBufferedFrames: 10_000 });
  await waitFor(() => caughtUp() === responses.length, 'every stream to be live');
  const batches = [makeEvents(runId, 1, 3), makeEvents(runId, 4, 4), makeEvents(runId, 5, 9), makeEvents(runId, 10, 11, { terminalAt: 11 })];
  for (const batch of batches) await log.append(runId, batch);
  await waitFor(() => responses.every((r) => r.ended), 'every stream to end');

  const expected = 'retry: 2000\n\n' + batches.flat().map(frameOf).join('') + 'event: close\ndata: {}\n\n';
  const [first] = responses;
  t.is(first!.text(), expected, 'the frames are exactly id, event, data, blank line');
  for (const res of responses) {
    t.false(res.destroyed);
    t.is(res.chunks.length, batches.length + 2, 'the retry hint, one write per batch, the close');
    for (let i = 1; i <= batches.length; i++) t.is(res.chunks[i], first!.chunks[i], `batch ${i} is the one shared buffer`);
    t.is(res.text(), expected);
  }
});

test.serial('history of 100k-character events goes out in pieces of about 1 MiB, live or ended, and reads shrink to fit', async (t) => {
  const log = sqlite.log;
  const runId = 920_003;
  const big = 100_000;
  for (let seq = 1; seq <= 30; seq += 10) await log.append(runId, makeEvents(runId, seq, seq + 9, { size: big, terminalAt: 30 }));
  for (const ended of [true, false]) {
    const { spy } = observed(log);
    const res = new SlowReadingResponse();
    streamToSse(contextFor(res), spy, runId, 0, ended, { heartbeatMs: 60_000, maxBufferedFrames: 10_000 });
    await waitFor(() => res.ended || res.destroyed, 'the history to be delivered');
    t.false(res.destroyed, `ended=${ended}: a reading client is not cut off`);
    t.deepEqual(frameIds(res.text()), range(1, 30));
    const pieces = res.chunks.slice(1, -1).map((c) => frameIds(c.toString()).length);
    t.true(pieces.length >= 3, `ended=${ended}: ${pieces.join(',')} frames per write`);
    for (const chunk of res.chunks) t.true(Buffer.byteLength(chunk) <= HISTORY_PAGE_BYTES + 64 * frameIds(chunk.toString()).length, `a write of ${Buffer.byteLength(chunk)} bytes`);
  }

  // A long history of large events: after the first page, reads ask for as many as fit in the byte budget.
  const longRun = 920_004;
  const size = 5_000;
  for (let seq = 1; seq <= 600; seq += 100) await log.append(longRun, makeEvents(longRun, seq, seq + 99, { size }));
  const { spy, limits } = observed(log);
  const res = new SlowReadingResponse();
  streamToSse(contextFor(res), spy, longRun, 0, true, { heartbeatMs: 60_000, maxBufferedFrames: 10_000 });
  await waitFor(() => res.ended || res.destroyed, 'the long history to be delivered');
  t.deepEqual(frameIds(res.text()), range(1, 600));
  t.is(limits[0], HISTORY_PAGE);
  t.true(limits.length >= 2 && limits.slice(1).every((l) => l * size <= HISTORY_PAGE_BYTES), `read limits ${limits.join(',')}`);
  for (const chunk of res.chunks) {
    // The byte budget counts JSON; each frame adds its id and event lines (under 64 bytes).
    const frames = frameIds(chunk.toString()).length;
    t.true(Buffer.byteLength(chunk) <= HISTORY_PAGE_BYTES + 64 * frames, `a write of ${frames} frames, ${Buffer.byteLength(chunk)} bytes`);
    t.true(frames <= HISTORY_SLICE);
  }
});

test.serial('a subscriber catching up is failed once the live events held for it pass its byte bound, and resumes without loss', async (t) => {
  const log = sqlite.log;
  const runId = 920_005;
  await log.append(runId, makeEvents(runId, 1, 1));
  const seen: number[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  let failed: Error | undefined;
  let delivered!: () => void;
  const historyDelivered = new Promise<void>((resolve) => { delivered = resolve; });
  log.subscribe(runId, 0, {
    // The reader takes the first page and then reads nothing: live events pile up for it.
    onEvents: (events) => {
      seen.push(...events.map((e) => e.sequence));
      delivered();
      return held;
    },
    onError: (err) => { failed = err; },
    maxCatchUpBytes: 50_000,
  });
  await historyDelivered;
  for (let seq = 2; seq <= 11; seq++) await log.append(runId, makeEvents(runId, seq, seq, { size: 10_000 }));
  t.regex(failed?.message ?? '', /fell too far behind/);
  t.is(log.subscriberCount(), 0);
  release();
  t.deepEqual(seen, [1]);

  const rest: number[] = [];
  const sub = log.subscribe(runId, seen.at(-1)!, { onEvents: (events) => { rest.push(...events.map((e) => e.sequence)); } });
  await waitFor(() => rest.length === 10, 'the resumed subscription to catch up');
  sub.close();
  t.deepEqual([...seen, ...rest], range(1, 11));
});
