import test from 'ava';
import { EventEmitter } from 'node:events';
import type { Context } from 'koa';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { streamToSse } from '../src/http/sse-bridge.ts';
import { toStoredEvent } from '../src/events/run-event.ts';

const sqlite = useSqliteEventLog();

/** A response whose socket is full from the first write on and never drains. */
class StuckResponse extends EventEmitter {
  writes = 0;
  destroyed = false;
  writeHead() {}
  write(): boolean {
    this.writes++;
    return false;
  }
  end() {}
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

const token = (runId: number, seq: number) => toStoredEvent({
  run_id: runId, timestamp: new Date().toISOString(), sequence: seq, source: null, event: { category: 'llm', action: 'stream' }, data: {},
});

test('live batches to a full socket queue without piling up listeners, until the frame limit cuts the client off', async (t) => {
  const log = sqlite.log;
  const runId = 910_001;
  const res = new StuckResponse();
  let caughtUp = false;
  const ctx = { req: new EventEmitter(), res, respond: true } as unknown as Context;
  streamToSse(ctx, log, runId, 0, false, { heartbeatMs: 60_000, maxBufferedFrames: 100, stallTimeoutMs: 60_000 });
  // Wait until the (empty) history is done and the stream is live.
  const probe = log.subscribe(runId, 0, { onEvents: () => {}, onCaughtUp: () => { caughtUp = true; } });
  await new Promise<void>((resolve) => { const poll = () => (caughtUp ? resolve() : setImmediate(poll)); poll(); });
  probe.close();
  for (let seq = 1; seq <= 60; seq++) await log.append(runId, [token(runId, seq)]);
  t.true(res.listenerCount('drain') <= 1, `${res.listenerCount('drain')} drain listeners`);
  t.false(res.destroyed);
  for (let seq = 61; seq <= 120; seq++) await log.append(runId, [token(runId, seq)]);
  t.true(res.destroyed, 'past 100 queued frames the client is cut off');
  t.is(log.subscriberCount(), 0);
});
