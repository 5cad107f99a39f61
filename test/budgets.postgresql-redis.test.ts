import test from 'ava';
import { createTestDatabase, deleteRedisKeys, serverDatabaseUrl, type TestDatabase, uniqueName } from './helpers/backends.ts';
import { startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';
import { agent, askedOf, countedModel, ONE_CALL_TOKENS, post, RUN_MAX_TOKENS, runToEnd, team } from './helpers/budget-runs.ts';

// With Redis every run goes through the shared queue and is planned by the process that takes
// it, from the database: runs/start's budget must be stored with the run to apply there.
const redisUrl = process.env.CADRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `${uniqueName('cadre_test')}:`;
let db: TestDatabase;
const processes: CadreProcess[] = [];
const fixture = new CountingProviderServer(5, 3);
let fixtureUrl = '';

test.before(async () => {
  fixtureUrl = await fixture.start();
  db = await createTestDatabase('postgresql');
  const env = { DATABASE_URL: serverDatabaseUrl('postgresql', (db.config as { dbName: string }).dbName), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, ...COUNTED_ENV };
  for (let i = 0; i < 2; i++) processes.push(await startCadre(env));
});

test.after.always(async () => {
  for (const p of processes) await p.kill();
  await fixture.close();
  await db?.drop();
  await deleteRedisKeys(redisUrl, keyPrefix);
});

test('a queued run is planned with the budget runs/start stored with it: it ends failed budget_exhausted, seen alike from every process', async (t) => {
  const [p1, p2] = processes as [CadreProcess, CadreProcess];
  const m = await countedModel(p1, 'budget-queued-model', fixtureUrl, { input_price_per_mtok: 2, output_price_per_mtok: 4 });
  const h = await post(p1, 'hierarchies/create', { name: 'budget-queued', global_supervisor_agent: agent(m, 'You are G.'), teams: [team(m, 'T', ['A', 'B'])] });
  const run = await runToEnd(p1, h.id, 'queued budget task', { budget: { max_tokens: RUN_MAX_TOKENS } });
  t.is(run.status, 'failed', JSON.stringify(run.error));
  t.is(run.error_code, 'budget_exhausted');
  t.deepEqual(run.budget, { max_tokens: RUN_MAX_TOKENS });
  const spent = run.statistics.spend.run.spent;
  t.true(spent.tokens <= RUN_MAX_TOKENS + ONE_CALL_TOKENS, `spent ${spent.tokens}`);
  t.true(fixture.requests.length >= 1);
  t.is(spent.tokens, fixture.requests.length * ONE_CALL_TOKENS);
  t.is(spent.cost_usd, Math.round(fixture.requests.length * ((10 * 2 + 5 * 4) / 1e6) * 1e9) / 1e9);
  t.is(askedOf(fixture, 'B'), 0);
  t.like(await post(p2, 'runs/get', { id: run.id }), { status: 'failed', error_code: 'budget_exhausted', budget: { max_tokens: RUN_MAX_TOKENS } });
  // The same hierarchy without a run budget completes: the budget was this run's alone.
  t.is((await runToEnd(p2, h.id, 'queued task without budget')).status, 'completed');
});
