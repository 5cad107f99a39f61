import test from 'ava';
import { Redis } from 'ioredis';
import { redisKeys } from '../src/store/redis/redis-keys.ts';
import { OwnRedisServer } from './helpers/redis-server.ts';
import { redisEventLog } from './helpers/redis-event-log-factory.ts';
import { events, freshRunId, until } from './suites/event-log-suite.ts';

const MAX_HELD = 32 * 1024;

test('while Redis is down, events held past REDIS_MAX_HELD_BYTES make the append wait; nothing is dropped', async (t) => {
  const server = await OwnRedisServer.start();
  t.teardown(() => server.kill());
  const fixture = await redisEventLog('sqlite', { url: server.url, maxHeldBytes: MAX_HELD })();
  t.teardown(() => fixture.dispose());
  const { log } = fixture;
  const run = freshRunId();
  await log.append(run, events(run, 1, 10));
  await until(() => log.heldBytes === 0, 'the first batch archived');
  await server.kill();

  // Appends go to SQL and are held until the bound is reached.
  let seq = 11;
  while (log.heldBytes < MAX_HELD) {
    await log.append(run, events(run, seq, seq + 19));
    seq += 20;
  }
  t.true(log.heldEvents > 0);
  let settled = false;
  const waiting = log.append(run, events(run, seq, seq + 19)).then(() => { settled = true; });
  // Not progress is what is asserted here: the append must still be waiting a while later.
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.false(settled, 'the append past the bound waits');

  await server.restart();
  await waiting;
  const last = seq + 19;
  await until(() => log.heldEvents === 0, 'the held events written back');
  t.deepEqual((await log.read(run)).map((e) => e.sequence), Array.from({ length: last }, (_, i) => i + 1));
  t.deepEqual((await log.last(run))?.sequence, last);
  // Redis came back empty: it holds the tail written during the outage, in order.
  const redis = new Redis(server.url);
  redis.on('error', () => { /* the command fails in the test instead */ });
  t.teardown(() => redis.disconnect());
  const ids = ((await redis.xrange(redisKeys(fixture.prefix).runEvents(run), '-', '+')) as Array<[string, string[]]>).map(([id]) => id);
  t.deepEqual(ids, Array.from({ length: last - 10 }, (_, i) => `${i + 11}-0`));
});
