import test from 'ava';
import { EventEmitter } from 'node:events';
import type { Context } from 'koa';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { SqlEventLog } from '../src/store/sql-event-log.ts';
import { streamToSse } from '../src/http/sse-bridge.ts';
import { toStoredEvent } from '../src/events/run-event.ts';

/**
 * The bridge against a response whose socket is full (write returns false until 'drain'): the
 * Node HTTP response is stood in for so backpressure is exact rather than left to kernel
 * buffer sizes.
 */
class FullSocketResponse extends EventEmitter {
  written: string[] = [];
  ended = false;
  destroyed = false;
  accepting = true;
  writeHead() {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    return this.accepting;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
  }
  text(): string {
    return this.written.join('');
  }
}

function fakeContext(res: FullSocketResponse): Context {
  return { req: new EventEmitter(), res, respond: true } as unknown as Context;
}

function events(runId: number, from: number, to: number, terminalAt?: number) {
  const out = [];
  for (let seq = from; seq <= to; seq++) {
    const terminal = seq === terminalAt;
    out.push(toStoredEvent({
      run_id: runId, timestamp: new Date().toISOString(), sequence: seq, source: null,
      event: { category: terminal ? 'lifecycle' : 'llm', action: terminal ? 'completed' : 'stream' }, data: { n: seq },
    }));
  }
  return out;
}

const sqlite = useSqliteEventLog();
let log: SqlEventLog;
test.before(async () => {
  await sqlite.ready;
  log = sqlite.log;
});

const options = { heartbeatMs: 60_000, maxBufferedFrames: 50 };
const frameIds = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
/** Resolves on the first turn of the event loop where `check` holds (no timers involved). */
const waitFor = (check: () => boolean) => new Promise<void>((resolve) => {
  const poll = () => (check() ? resolve() : setImmediate(poll));
  poll();
});

test.serial('a client that stops reading is cut off past the buffer limit; the run and other clients go on', async (t) => {
  const runId = 900_001;
  const slow = new FullSocketResponse();
  slow.accepting = false;
  const fast = new FullSocketResponse();
  streamToSse(fakeContext(slow), log, runId, 0, false, options);
  streamToSse(fakeContext(fast), log, runId, 0, false, options);
  for (let seq = 1; seq <= 200; seq += 20) await log.append(runId, events(runId, seq, seq + 19));
  await log.append(runId, events(runId, 201, 201, 201));
  await waitFor(() => fast.ended);
  t.true(slow.destroyed, 'the slow client was disconnected');
  t.false(slow.ended);
  t.deepEqual(frameIds(fast.text()), Array.from({ length: 201 }, (_, i) => i + 1));
  t.true(fast.text().endsWith('event: close\ndata: {}\n\n'));
  t.is(log.subscriberCount(), 0, 'the cut-off client holds no subscription');
  // It resumes from what it received, losing nothing.
  const received = frameIds(slow.text());
  const resumed = new FullSocketResponse();
  streamToSse(fakeContext(resumed), log, runId, received.at(-1) ?? 0, true, options);
  await waitFor(() => resumed.ended);
  t.deepEqual([...received, ...frameIds(resumed.text())], Array.from({ length: 201 }, (_, i) => i + 1));
});

test.serial('within the limit, queued frames go out in order once the socket drains', async (t) => {
  const runId = 900_002;
  const res = new FullSocketResponse();
  res.accepting = false;
  streamToSse(fakeContext(res), log, runId, 0, false, options);
  await log.append(runId, events(runId, 1, 10));
  await log.append(runId, events(runId, 11, 30));
  await waitFor(() => frameIds(res.text()).length >= 10);
  t.deepEqual(frameIds(res.text()), Array.from({ length: 10 }, (_, i) => i + 1), 'only the first batch was written');
  res.accepting = true;
  res.emit('drain');
  await log.append(runId, events(runId, 31, 31, 31));
  await waitFor(() => res.ended);
  t.false(res.destroyed);
  t.deepEqual(frameIds(res.text()), Array.from({ length: 31 }, (_, i) => i + 1));
});

test.serial('a long history is written in bounded pieces, so a client that stops reading is still cut off', async (t) => {
  const runId = 900_003;
  for (let seq = 1; seq <= 1000; seq += 100) await log.append(runId, events(runId, seq, seq + 99));
  const res = new FullSocketResponse();
  res.accepting = false;
  streamToSse(fakeContext(res), log, runId, 0, true, options);
  await waitFor(() => res.destroyed || res.ended);
  t.true(res.destroyed);
  t.true(frameIds(res.text()).length <= 256, `${frameIds(res.text()).length} frames written to a full socket`);
});

/** A client that reads, slowly: every write fills the socket, which drains on the next turn. */
class SlowReaderResponse extends FullSocketResponse {
  override write(chunk: string): boolean {
    this.written.push(chunk);
    setImmediate(() => this.emit('drain'));
    return false;
  }
}

test.serial('a slow client that keeps reading gets a long history whole, page by page, without being cut off', async (t) => {
  const runId = 900_004;
  for (let seq = 1; seq <= 3000; seq += 500) await log.append(runId, events(runId, seq, seq + 499, seq + 499 === 3000 ? 3000 : undefined));
  for (const ended of [true, false]) {
    const res = new SlowReaderResponse();
    streamToSse(fakeContext(res), log, runId, 0, ended, { heartbeatMs: 60_000, maxBufferedFrames: 600 });
    await waitFor(() => res.destroyed || res.ended);
    t.false(res.destroyed, `ended=${ended}: a reading client is not cut off`);
    t.deepEqual(frameIds(res.text()), Array.from({ length: 3000 }, (_, i) => i + 1));
  }
});

test.serial('a client that reads nothing during history is given up after the stall timeout', async (t) => {
  const runId = 900_005;
  await log.append(runId, events(runId, 1, 400));
  const res = new FullSocketResponse();
  res.accepting = false;
  streamToSse(fakeContext(res), log, runId, 0, true, { heartbeatMs: 60_000, maxBufferedFrames: 1000, stallTimeoutMs: 30 });
  await waitFor(() => res.destroyed || res.ended);
  t.true(res.destroyed);
  t.true(frameIds(res.text()).length <= 256);
});
