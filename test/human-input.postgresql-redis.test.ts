import test from 'ava';
import { createTestDatabase, deleteRedisKeys, serverDatabaseUrl, type TestDatabase, uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';
import { ExecutionRun } from '../src/store/entities/index.ts';

// Human in the loop with PostgreSQL and Redis (runs placed by the BullMQ queue, events in Redis
// Streams): a run parked for an approval survives every process being killed, is answered by a
// process that never executed it, and its tool runs once.
const redisUrl = process.env.CADRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `${uniqueName('cadre_test')}:`;
let db: TestDatabase;
let env: Record<string, string> = {};
const processes: CadreProcess[] = [];
const fixture = new CountingProviderServer(10, 4, { toolInputs: { http_request: () => ({ method: 'GET', url: `${fixtureUrl}/effect` }) } });
let fixtureUrl = '';

test.before(async () => {
  fixtureUrl = await fixture.start();
  db = await createTestDatabase('postgresql');
  env = {
    DATABASE_URL: serverDatabaseUrl('postgresql', (db.config as { dbName: string }).dbName), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix,
    LEASE_HEARTBEAT_MS: '200', LEASE_MS: '1000', LEASE_SWEEP_MS: '200', ...COUNTED_ENV,
  };
});

test.after.always(async () => {
  for (const p of processes) await p.kill();
  await fixture.close();
  await db?.drop();
  await deleteRedisKeys(redisUrl, keyPrefix);
});

async function start(): Promise<CadreProcess> {
  const p = await startCadre(env);
  processes.push(p);
  return p;
}

const getRun = async (p: CadreProcess, id: number) => (await p.post('runs/get', { id })).body.data;

test.serial('approval across kill -9 of every process (PostgreSQL + Redis queue): answered from another process, the tool runs exactly once', async (t) => {
  // The first start migrates a fresh database alone; later ones start together (seconds each on a loaded machine).
  const first = await start();
  const second = await start();
  const model = await first.post('models/create', { name: 'counted', provider: 'openai-compatible', model_id: 'counted', base_url: `${fixtureUrl}/v1` });
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await first.post('hierarchies/create', {
    name: 'approve', global_supervisor_agent: agent('You are G.'),
    teams: [{ name: 'T', team_supervisor_agent: agent('You are T.'), workers: [{ name: 'W', role: 'w', ...agent('You are W.'), tools: [{ name: 'http_request', approval: 'always' }] }] }],
  });
  t.is(h.status, 200, JSON.stringify(h.body));
  const id = (await first.post('runs/start', { hierarchy_id: h.body.data.id, task: 'fetch it' })).body.data.id as number;
  const waiting = await pollUntil(`run ${id} waiting`, 30_000, async () => {
    const run = await getRun(second, id);
    return run.status === 'waiting_input' ? run : undefined;
  }, 100);
  const [request] = waiting.pending_inputs;
  t.like(request, { kind: 'approval', tool_name: 'http_request' });
  const row = await db.store.orm.em.fork().findOne(ExecutionRun, { id }, { filters: false, fields: ['owner', 'status'] });
  t.like(row, { owner: null, status: 'waiting_input' }, 'a waiting run has no owner');
  t.is(fixture.effects, 0);

  for (const p of [first, second]) await p.kill();
  const [third, fourth] = await Promise.all([start(), start()]);
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    t.is((await getRun(third, id)).status, 'waiting_input', 'no sweep, recovery or queue treats it as lost');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const res = await fourth.post('runs/respond', { id, request_id: request.request_id, approve: true });
  t.is(res.status, 200, JSON.stringify(res.body));
  const run = await pollUntil(`run ${id} to end`, 30_000, async () => {
    const r = await getRun(third, id);
    return ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  }, 100);
  t.is(run.status, 'completed', String(run.error));
  t.is(fixture.effects, 1, 'the approved tool ran exactly once');
  const events = await settledEvents(third, id);
  t.is(checkLog(events), null);
  t.is(events.filter((e) => e.event.category === 'human' && e.event.action === 'responded').length, 1);
  t.is((await allEvents(fourth, id)).filter((e) => e.event.action === 'tool_result' && e.data.tool_name === 'http_request').length, 1);
});
