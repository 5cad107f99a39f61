import test from 'ava';
import { composeService, type Service } from '../src/compose.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import { inspectionEventSchema } from '../src/domain/inspection-schemas.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { Api } from './helpers/api-harness.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { deleteKeys, testRedisUrl } from './helpers/redis-event-log-factory.ts';
import { openSse } from './helpers/sse-client.ts';
import { until } from './suites/event-log-suite.ts';

// Two processes (two composed services on one database and one Redis, as two Cadre processes
// would be): the run executes in one, a developer inspects it through the other, which has no
// actor of it — the owner relays its inspection over Redis pub/sub while the stream is open.
const keyPrefix = `${uniqueName('cadre_test_inspect')}:`;
let db: TestDatabase;
const processes: Array<{ service: Service; server: TestServer }> = [];

test.before(async () => {
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  for (let i = 0; i < 2; i++) {
    const service = composeService(db.store, {
      database: db.config, redis: { url: testRedisUrl, streamMaxLen: 10_000, streamTtlSeconds: 3600, maxHeldBytes: 64 * 1024 * 1024, keyPrefix },
    });
    await service.recover();
    processes.push({ service, server: await serve(service.app) });
  }
});

test.after.always(async () => {
  for (const p of processes) {
    await p.server.close();
    await p.service.stop(5000);
  }
  await db?.drop();
  await deleteKeys(testRedisUrl, keyPrefix);
});

test("a run executing in one process is inspected live through the other: the owner's relay", async (t) => {
  const api = new Api(t, processes[0]!.server.url);
  const model = await api.ok('models/create', { name: uniqueName('m'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 15, reply_tokens: 30 } });
  const hierarchy = await api.ok('hierarchies/create', sampleHierarchyOn(model.id));
  const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task: 'Survey the field' });
  // Either process may take it from the queue.
  await until(() => processes.some((p) => p.service.runtime.isLive(DEFAULT_TENANT, run.id)), 'a process to take the run', 30_000);
  const owner = processes.find((p) => p.service.runtime.isLive(DEFAULT_TENANT, run.id))!;
  const other = processes.find((p) => p !== owner)!;

  const stream = await openSse(`${other.server.url}${API_PREFIX}/runs/inspect/stream?id=${run.id}`);
  t.is(stream.status, 200);
  let closed = false;
  void stream.until((f) => f.event === 'close').then(() => { closed = true; });
  await until(() => closed || stream.ended, 'the relayed stream to close', 60_000);
  t.false(other.service.runtime.isLive(DEFAULT_TENANT, run.id), 'the other process never executed it');
  t.is(stream.frames.at(-1)?.event, 'close');
  const events = stream.frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data));
  t.true(events.length > 20, `${events.length} events`);
  for (const e of events) t.true(inspectionEventSchema.safeParse(e).success, JSON.stringify(e).slice(0, 200));
  // Live events, as only the owner sees them (a tree read from outside has snapshots, never events).
  t.true(events.some((e) => e.type === '@xstate.event' && e.event.type === 'TASK' && String(e.sessionId).startsWith('agent:')));
  t.false(events.some((e) => e.event?.type === 'cadre.tree_read'));
  t.is(events[0].type, '@xstate.actor');
  t.is(events.filter((e) => e.sessionId === `run:${run.id}` && e.type === '@xstate.snapshot').at(-1)?.snapshot.status, 'done');
});

test('the owner relays only while someone watches: a stream closed mid-run stops its relay, the run goes on', async (t) => {
  const api = new Api(t, processes[0]!.server.url);
  const model = await api.ok('models/create', { name: uniqueName('m'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 30, reply_tokens: 60 } });
  const hierarchy = await api.ok('hierarchies/create', sampleHierarchyOn(model.id));
  const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task: 'Take your time' });
  await until(() => processes.some((p) => p.service.runtime.isLive(DEFAULT_TENANT, run.id)), 'a process to take the run', 30_000);
  const owner = processes.find((p) => p.service.runtime.isLive(DEFAULT_TENANT, run.id))!;
  const other = processes.find((p) => p !== owner)!;
  t.is(owner.service.runtime.watchers(run.id), 0, 'nobody watches yet');
  const stream = await openSse(`${other.server.url}${API_PREFIX}/runs/inspect/stream?id=${run.id}`);
  await stream.until((f) => f.event === 'message');
  t.is(owner.service.runtime.watchers(run.id), 1, 'the relay is the owner\'s one watcher');
  stream.close();
  await until(() => owner.service.runtime.watchers(run.id) === 0, 'the relay to stop', 20_000);
  t.true(owner.service.runtime.isLive(DEFAULT_TENANT, run.id), 'the run goes on');
  await api.ok('runs/cancel', { id: run.id });
});
