import test from 'ava';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';
import { composeService, type Service } from '../src/compose.ts';

const API = '/api/executor/v1';
let db: TestDatabase;
let service: Service;
let server: TestServer;

test.before(async () => {
  db = await createTestDatabase('sqlite');
  service = composeService(db.store, { sseHeartbeatMs: 20, runTimeoutMs: 60_000 });
  server = await serve(service.app);
});
test.after.always(async () => {
  await service?.stop(5000);
  await server?.close();
  await db?.drop();
});

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

test.serial('after runs end (completed or cancelled) no run actor, subscription or timer is left', async (t) => {
  const model = await server.post(`${API}/models/create`, {
    name: uniqueName('res'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 3, reply_tokens: 40 },
  });
  const withModel = (a: any) => ({ ...a, llm_config: { model_id: model.body.data.id } });
  const base = sampleHierarchyInput({ name: uniqueName('res') });
  const h = await server.post(`${API}/hierarchies/create`, {
    ...base,
    global_supervisor_agent: withModel(base.global_supervisor_agent),
    teams: base.teams.map((team) => ({ ...team, team_supervisor_agent: withModel(team.team_supervisor_agent), workers: team.workers.map(withModel) })),
  });
  const baseline = timers();
  const ids: number[] = [];
  for (let i = 0; i < 8; i++) ids.push((await server.post(`${API}/runs/start`, { hierarchy_id: h.body.data.id, task: `resources ${i}` })).body.data.id);
  // Two SSE subscribers per run, reading to the end.
  const streams = ids.flatMap((id) => [0, 1].map(() => fetch(`${server.url}${API}/runs/stream?id=${id}`).then((r) => r.text())));
  t.true(service.runtime.activeCount > 0);
  for (const id of ids.slice(0, 3)) t.is((await server.post(`${API}/runs/cancel`, { id })).body.data.status, 'cancelled');
  const bodies = await Promise.all(streams);
  t.true(bodies.every((b) => b.includes('event: close')));
  const statuses = await Promise.all(ids.map(async (id) => (await server.post(`${API}/runs/get`, { id })).body.data.status));
  t.deepEqual(statuses, ['cancelled', 'cancelled', 'cancelled', 'completed', 'completed', 'completed', 'completed', 'completed']);
  t.is(service.runtime.activeCount, 0);
  t.is(service.eventLog.subscriberCount(), 0);
  // Let the server notice the closed responses, then nothing of the runs may keep a timer.
  await new Promise((resolve) => setImmediate(resolve));
  t.true(timers() <= baseline, `timers: ${timers()} now, ${baseline} before`);
});

/** Resolves on the first turn of the event loop where `check` holds. */
const until = (check: () => boolean) => new Promise<void>((resolve) => {
  const poll = () => (check() ? resolve() : setImmediate(poll));
  poll();
});

test.serial('a client leaving a POST or GET stream mid-run releases its subscription and heartbeat at once', async (t) => {
  const model = await server.post(`${API}/models/create`, {
    name: uniqueName('slow'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 30, reply_tokens: 100 },
  });
  const base = sampleHierarchyInput({ name: uniqueName('leave') });
  const llm = { llm_config: { model_id: model.body.data.id } };
  const h = await server.post(`${API}/hierarchies/create`, {
    ...base, global_supervisor_agent: { ...base.global_supervisor_agent, ...llm },
  });
  const id = (await server.post(`${API}/runs/start`, { hierarchy_id: h.body.data.id, task: 'leave early' })).body.data.id;
  const before = service.eventLog.subscriberCount();
  for (const init of [{ method: 'POST', body: JSON.stringify({ id }) }, { method: 'GET' }]) {
    const controller = new AbortController();
    const url = init.method === 'GET' ? `${server.url}${API}/runs/stream?id=${id}` : `${server.url}${API}/runs/stream`;
    const res = await fetch(url, { ...init, signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    await until(() => service.eventLog.subscriberCount() === before + 1);
    controller.abort();
    await until(() => service.eventLog.subscriberCount() === before);
    t.pass(`${init.method} released`);
  }
  t.true(service.runtime.isLive('default', id), 'the run itself goes on');
  t.is((await server.post(`${API}/runs/cancel`, { id })).body.data.status, 'cancelled');
});

test.serial('once shutdown began, runs/start answers 503 and creates no run', async (t) => {
  const h = (await server.post(`${API}/hierarchies/list`, {})).body.data.content[0];
  const before = (await server.post(`${API}/runs/list`, {})).body.data.totalElements;
  await service.runtime.shutdown(1000);
  const res = await server.post(`${API}/runs/start`, { hierarchy_id: h.id, task: 'too late' });
  t.is(res.status, 503);
  t.is(res.body.error_code, 'SHUTTING_DOWN');
  t.is((await server.post(`${API}/runs/list`, {})).body.data.totalElements, before);
});
