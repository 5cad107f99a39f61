import test from 'ava';
import { Redis } from 'ioredis';
import { redisEventLog, testRedisUrl } from './helpers/redis-event-log-factory.ts';
import { events, freshRunId, until } from './suites/event-log-suite.ts';
import { redisKeys } from '../src/store/redis/redis-keys.ts';
import type { StoredEvent } from '../src/events/run-event.ts';
import type { EventLog } from '../src/events/event-log.ts';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const MAXLEN = 100;

const make = redisEventLog('sqlite', { streamMaxLen: MAXLEN, streamTtlSeconds: 1 });
let fixture: Awaited<ReturnType<typeof make>>;
let redis: Redis;
test.before(async () => {
  fixture = await make();
  redis = new Redis(testRedisUrl);
  redis.on('error', () => { /* commands fail in the test instead */ });
});
test.after.always(async () => {
  redis?.disconnect();
  await fixture?.dispose();
});

/** Every event after `after`, delivered by a subscription until caught up. */
async function subscribeAll(log: EventLog, run: number, after: number): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  let caughtUp = false;
  const sub = log.subscribe(run, after, { onEvents: (es) => { seen.push(...es); }, onCaughtUp: () => { caughtUp = true; } });
  await until(() => caughtUp, 'catch-up');
  sub.close();
  return seen;
}

/** Waits (with a deadline) until the SQL archive holds the run's event `last`. */
async function archived(run: number, last: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await fixture.archive.last(run))?.sequence !== last) {
    if (Date.now() > deadline) throw new Error(`the archive never got event ${last} of run ${run}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('more events than MAXLEN: the stream is trimmed, the history is still complete from SQL', async (t) => {
  const run = freshRunId();
  const stored = events(run, 1, 1000);
  for (let i = 0; i < stored.length; i += 50) await fixture.log.append(run, stored.slice(i, i + 50));
  const key = redisKeys(fixture.prefix).runEvents(run);
  const length = await redis.xlen(key);
  t.true(length >= MAXLEN && length < 1000, `the stream holds ${length} entries`);
  const [[firstId]] = (await redis.xrange(key, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
  t.true(Number(firstId!.split('-')[0]) > 1, 'the oldest events were trimmed');
  await archived(run, 1000);
  t.deepEqual(await fixture.log.read(run), stored);
  t.deepEqual((await fixture.log.read(run, { from: 10, limit: 5 })).map((e) => e.sequence), range(10, 14));
  t.deepEqual((await fixture.log.read(run, { from: 890, to: 910 })).map((e) => e.sequence), range(890, 910));
  t.deepEqual(await subscribeAll(fixture.log, run, 0), stored);
  t.deepEqual((await subscribeAll(await fixture.sibling!(), run, 500)).map((e) => e.sequence), range(501, 1000));
});

test('an ended run\'s stream expires after the TTL; its history is then read whole from SQL', async (t) => {
  const run = freshRunId();
  const stored = events(run, 1, 300);
  await fixture.log.append(run, stored.slice(0, 150));
  await fixture.log.append(run, stored.slice(150));
  const key = redisKeys(fixture.prefix).runEvents(run);
  t.is(await redis.ttl(key), -1, 'no TTL while the run goes on');
  await fixture.log.markEnded(run);
  const ttl = await redis.ttl(key);
  t.true(ttl > 0 && ttl <= 1, `TTL ${ttl}`);
  await archived(run, 300);
  const deadline = Date.now() + 20_000;
  while ((await redis.exists(key)) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.is(await redis.exists(key), 0, 'the stream expired');
  t.deepEqual(await fixture.log.read(run), stored);
  t.deepEqual((await fixture.log.last(run))?.sequence, 300);
  t.deepEqual(await subscribeAll(fixture.log, run, 0), stored);
  t.deepEqual((await subscribeAll(fixture.log, run, 299)).map((e) => e.sequence), [300]);
});
