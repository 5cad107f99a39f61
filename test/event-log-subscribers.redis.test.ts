import test from 'ava';
import { Redis } from 'ioredis';
import { redisEventLog, testRedisUrl } from './helpers/redis-event-log-factory.ts';
import { events, freshRunId, until } from './suites/event-log-suite.ts';
import { uniqueName } from './helpers/backends.ts';

const RUNS = 100;
const SUBSCRIBERS_PER_RUN = 20;
const EVENTS = 12;

/** This process's connections to Redis named `name` (CLIENT LIST, by CLIENT SETNAME). */
async function connectionsNamed(redis: Redis, name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => new RegExp(`(^| )name=${name}(-reader)?( |$)`).test(line)).length;
}

test('2,000 subscribers over 100 runs cost a bounded number of Redis connections and each gets every event once', async (t) => {
  const fixture = await redisEventLog('sqlite')();
  t.teardown(() => fixture.dispose());
  const admin = new Redis(testRedisUrl);
  admin.on('error', () => { /* commands fail in the test instead */ });
  t.teardown(() => admin.disconnect());
  // The subscribing process: a log of its own with a client name of its own; appends come from fixture.log.
  const name = uniqueName('cadre_subs');
  const follower = fixture.open({ clientName: name, readerConnections: 2 });

  const runs = Array.from({ length: RUNS }, freshRunId);
  const seen = runs.map(() => Array.from({ length: SUBSCRIBERS_PER_RUN }, () => [] as number[]));
  const subs = runs.flatMap((run, r) => seen[r]!.map((list) => follower.subscribe(run, 0, { onEvents: (es) => { list.push(...es.map((e) => e.sequence)); } })));
  t.is(subs.length, RUNS * SUBSCRIBERS_PER_RUN);
  for (let seq = 1; seq <= EVENTS; seq += 4) {
    await Promise.all(runs.map((run) => fixture.log.append(run, events(run, seq, seq + 3))));
  }
  const all = seen.flat();
  await until(() => all.every((list) => list.length >= EVENTS), 'every subscriber has every event', 60_000);
  const expected = Array.from({ length: EVENTS }, (_, i) => i + 1);
  t.is(all.length, 2000);
  for (const list of all) t.deepEqual(list, expected);

  // One command connection and the reader connections, however many subscribers.
  const connections = await connectionsNamed(admin, name);
  t.true(connections >= 2 && connections <= 3, `${connections} connections for ${subs.length} subscribers`);
  for (const sub of subs) sub.close();
  t.is(follower.subscriberCount(), 0);
});
