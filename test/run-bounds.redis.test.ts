import test from 'ava';
import { Api } from './helpers/api-harness.ts';
import { createTestDatabase, uniqueName } from './helpers/backends.ts';
import { pollUntil } from './helpers/cadre-process.ts';
import { deleteKeys, testRedisUrl } from './helpers/redis-event-log-factory.ts';
import { expectRefused, serveOn, slowHierarchy, slowHierarchyBody } from './suites/run-bounds-suite.ts';

// With Redis, MAX_QUEUED_RUNS bounds the shared run queue: runs waiting for any process's slot.
const keyPrefix = `${uniqueName('cadre_test_bounds')}:`;
test.after.always(() => deleteKeys(testRedisUrl, keyPrefix));

test('with Redis, past MAX_QUEUED_RUNS waiting in the shared queue, every process answers 429 RUN_QUEUE_FULL', async (t) => {
  const db = await createTestDatabase('sqlite');
  t.teardown(() => db.drop());
  const redis = { url: testRedisUrl, streamMaxLen: 10_000, streamTtlSeconds: 3600, maxHeldBytes: 64 * 1024 * 1024, keyPrefix };
  const options = { redis, maxConcurrentRuns: 1, maxQueuedRuns: 2 };
  const one = await serveOn(db, options);
  t.teardown(() => one.close());
  const two = await serveOn(db, options);
  t.teardown(() => two.close());
  const tenant = uniqueName('queue');
  const [a, b] = [new Api(t, one.url, tenant), new Api(t, two.url, tenant)];
  const hierarchyId = await slowHierarchy(a);
  const start = (api: Api, task: string) => api.ok('runs/start', { hierarchy_id: hierarchyId, task });
  const status = async (id: number) => (await a.ok('runs/get', { id })).status as string;

  // One slot per process: two runs execute, the next two wait in the queue.
  const executing = [await start(a, 'first'), await start(b, 'second')];
  await pollUntil('both processes to take a run', 20_000, async () =>
    ((await Promise.all(executing.map((r) => status(r.id)))).every((s) => s === 'running') ? true : undefined));
  const waiting = [await start(a, 'third'), await start(b, 'fourth')];
  for (const run of waiting) t.is(await status(run.id), 'pending');

  expectRefused(t, await a.post('runs/start', { hierarchy_id: hierarchyId, task: 'no room here' }), 'RUN_QUEUE_FULL');
  expectRefused(t, await b.post('runs/start', { hierarchy_id: hierarchyId, task: 'nor there' }), 'RUN_QUEUE_FULL');
  expectRefused(t, await b.request('POST', '/execute', { body: { ...(await slowHierarchyBody(b)), task: 'inline' } }), 'RUN_QUEUE_FULL');
  t.is((await a.ok('runs/list', { page: 1, size: 1 })).totalElements, 4, 'refused starts left no run record');

  // A waiting run that is cancelled leaves the queue: there is room again.
  t.is((await b.ok('runs/cancel', { id: waiting[0].id })).status, 'cancelled');
  const again = await start(b, 'room again');
  t.is(again.status, 'pending');
});
