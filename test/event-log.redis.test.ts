import test from 'ava';
import { Redis } from 'ioredis';
import { eventLogFaultSuite, eventLogSuite, events, freshRunId } from './suites/event-log-suite.ts';
import { deleteKeys, redisEventLog, testRedisUrl } from './helpers/redis-event-log-factory.ts';

/** The EventLog contract on Redis Streams, with the SQL archive on PostgreSQL. */
eventLogSuite('redis', redisEventLog('postgresql'));
eventLogFaultSuite('redis', redisEventLog('postgresql'));

test('redis: deleteRuns deletes the run streams (and their SQL archive), not other runs\' streams', async (t) => {
  const fixture = await redisEventLog('postgresql')();
  const redis = new Redis(testRedisUrl);
  t.teardown(async () => {
    redis.disconnect();
    await fixture.dispose();
    await deleteKeys(testRedisUrl, fixture.prefix);
  });
  const { log, archive, prefix } = fixture;
  const [gone, kept] = [freshRunId(), freshRunId()];
  await log.append(gone, events(gone, 1, 20));
  await log.append(kept, events(kept, 1, 4));
  await log.markEnded(gone);
    t.is(await redis.exists(`${prefix}run:${gone}:events`), 1);
  // The archive catches up in the background: wait (with a deadline) until it has every event.
  const deadline = Date.now() + 20_000;
  while ((await archive.read(gone)).length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.is((await archive.read(gone)).length, 20);
  await log.deleteRuns([gone]);
  t.is(await redis.exists(`${prefix}run:${gone}:events`), 0);
  t.deepEqual(await archive.read(gone), []);
  t.deepEqual(await log.read(gone), []);
  t.is(await redis.exists(`${prefix}run:${kept}:events`), 1);
  t.is((await log.read(kept)).length, 4);
});
