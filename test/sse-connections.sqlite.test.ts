import test from 'ava';
import { composeService, type Service } from '../src/compose.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { Api } from './helpers/api-harness.ts';
import { collectUntilClose, openSse } from './helpers/sse-client.ts';
import { waitFor } from './helpers/sse-responses.ts';

let db: TestDatabase | undefined;
let service: Service | undefined;
let server: TestServer | undefined;
test.before(async () => {
  db = await createTestDatabase('sqlite');
  service = composeService(db.store, { sseHeartbeatMs: 50, sseMaxConnections: 2 });
  server = await serve(service.app);
});
test.after.always(async () => {
  await service?.stop(5000);
  await server?.close();
  await db?.drop();
});

test('over SSE_MAX_CONNECTIONS a stream gets 503 with Retry-After; a slot comes back when a stream ends', async (t) => {
  const api = new Api(t, server!.url);
  const model = uniqueName('sim');
  await api.ok('models/create', { name: model, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 20, reply_tokens: 10, jitter_ms: 0 } });
  const hierarchy = await api.ok('hierarchies/create', sampleHierarchyOn(model));
  const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task: 'Study the market' });
  const url = `${server!.url}${API_PREFIX}/runs/stream`;
  const slots = service!.sseConnections;

  const first = await openSse(url, { body: { id: run.id } });
  const second = await openSse(`${url}?id=${run.id}`, { method: 'GET' });
  t.is(first.status, 200);
  t.is(second.status, 200);
  t.is(slots.active, 2);
  for (const refused of [await openSse(url, { body: { id: run.id } }), await openSse(`${url}?id=${run.id}`, { method: 'GET' })]) {
    t.is(refused.status, 503);
    t.is(refused.headers.get('retry-after'), '5');
    t.like(refused.json, { success: false, code: 503, error_code: 'TOO_MANY_STREAMS' });
  }
  t.is(slots.active, 2);

  // A client that goes away gives its slot back.
  first.close();
  await waitFor(() => slots.active === 1, 'the aborted stream to give its slot back');
  const third = collectUntilClose(url, { body: { id: run.id } });
  // Streams that end with the run give theirs back too.
  const [ended] = await Promise.all([third, second.until((f) => f.event === 'close')]);
  t.is(ended.status, 200);
  t.is(ended.frames.at(-1)?.event, 'close');
  await waitFor(() => slots.active === 0, 'every stream to give its slot back');
  const late = await collectUntilClose(url, { body: { id: run.id } });
  t.is(late.frames.at(-1)?.event, 'close');
  t.true(late.frames.length > 20);
  await waitFor(() => slots.active === 0, 'the late stream to give its slot back');
});
