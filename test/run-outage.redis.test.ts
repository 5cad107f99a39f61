import test from 'ava';
import { composeService } from '../src/compose.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import { createTestDatabase, uniqueName } from './helpers/backends.ts';
import { serve } from './helpers/http-client.ts';
import { Api } from './helpers/api-harness.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { OwnRedisServer } from './helpers/redis-server.ts';
import { collectUntilClose, eventFrames, readEventsThenAbort } from './helpers/sse-client.ts';
import { until } from './suites/event-log-suite.ts';
import type { RedisEventLog } from '../src/store/redis/redis-event-log.ts';
import type { MeasuredEventLog } from '../src/telemetry/measured-event-log.ts';

test('a run through the API survives Redis dying mid-run: /health is DEGRADED (200), the run completes, a resumed stream is whole', async (t) => {
  const redis = await OwnRedisServer.start();
  t.teardown(() => redis.kill());
  const db = await createTestDatabase('sqlite');
  t.teardown(() => db.drop());
  await db.store.seedDefaults(DEFAULT_TENANT);
  const service = composeService(db.store, {
    database: db.config, sseHeartbeatMs: 50,
    redis: { url: redis.url, streamMaxLen: 10_000, streamTtlSeconds: 3600, maxHeldBytes: 64 * 1024 * 1024, keyPrefix: '' },
  });
  await service.recover();
  const server = await serve(service.app);
  t.teardown(async () => {
    await server.close();
    await service.stop(5000);
  });
  const api = new Api(t, server.url);
  const log = (service.eventLog as MeasuredEventLog).measured as RedisEventLog;
  await until(() => log.redisReady, 'the Redis connection');
  t.like((await api.get('/health')).body, { data: { status: 'UP', events: { ok: true } } });

  const model = uniqueName('sim');
  await api.ok('models/create', { name: model, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 10, reply_tokens: 10, jitter_ms: 0 } });
  const hierarchy = await api.ok('hierarchies/create', sampleHierarchyOn(model));
  const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task: 'Study the market' });
  const streamUrl = `${server.url}${API_PREFIX}/runs/stream`;
  const first = await readEventsThenAbort(streamUrl, { method: 'POST', body: { id: run.id } }, 30);
  const resumeAt = Number(first.events.at(-1)!.id);

  await redis.kill();
  t.true(service.runtime.isLive('default', run.id), 'the run is still going when Redis dies');
  const health = await api.get('/health');
  t.is(health.status, 200);
  t.like(health.body, { success: true, data: { status: 'DEGRADED', database: { ok: true }, events: { ok: false } } });
  t.regex(health.body.data.events.detail, /redis/i);

  // The run goes on while Redis is down; Redis comes back empty before it ends.
  await until(() => log.heldEvents >= 20, 'events stored in SQL while Redis is down');
  t.true(service.runtime.isLive('default', run.id), 'the run is still going');
  await redis.restart();
  const rest = await collectUntilClose(streamUrl, { method: 'POST', body: { id: run.id }, headers: { 'Last-Event-ID': String(resumeAt) } });
  const sequences = eventFrames(rest.frames).map((f) => Number(f.id));
  t.true(sequences.length > 0);
  t.deepEqual(sequences, Array.from({ length: sequences.length }, (_, i) => resumeAt + 1 + i), 'every later event once, in order');
  t.is(rest.frames.at(-2)?.event, 'lifecycle.completed');
  const stored = await api.ok('runs/get', { id: run.id });
  t.is(stored.status, 'completed');
  t.is(stored.statistics.event_count, sequences.at(-1));
  await until(() => service.eventLog.subscriberCount() === 0, 'streams released');
  t.like((await api.get('/health')).body, { data: { status: 'UP', events: { ok: true } } });
});
