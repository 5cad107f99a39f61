import test from 'ava';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { cli, startCli } from './helpers/cli-process.ts';
import { uniqueName } from './helpers/backends.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';
import { ApiKeyService } from '../src/services/api-key-service.ts';
import type { Service } from '../src/compose.ts';

/**
 * `cadre keys …` works on the database directly (the server's DATABASE_URL), while a server with
 * API_KEYS=required serves the same database: keys made by the CLI open the API, revoked ones close it.
 */
let db: TestDatabase;
let service: Service;
let server: TestServer;
let dbEnv: Record<string, string>;

test.before(async () => {
  db = await createTestDatabase('sqlite');
  service = buildService(db, { apiKeys: 'required' });
  server = await serve(service.app);
  if (db.config.driver !== 'libsql') throw new Error('expected a SQLite test database');
  dbEnv = { DATABASE_URL: db.config.dbName, DB_TYPE: '' };
});
test.after.always(async () => {
  await server?.close();
  await service?.stop(1000);
  await db?.drop();
});

test.serial('keys create prints the key once; it opens the API for its tenant only; revoke closes it (exit 6)', async (t) => {
  const tenant = uniqueName('cli');
  const created = await cli(['keys', 'create', '--tenant', tenant, '--name', 'laptop'], dbEnv);
  t.is(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  t.regex(key, /^cadre_[A-Za-z0-9_-]{43}$/);
  t.regex(created.stderr, new RegExp(`API key [0-9a-f-]{36} for tenant "${tenant}" \\(laptop\\)\\. It is shown only now`));

  const listed = await cli(['keys', 'list', '--json', '--tenant', tenant], dbEnv);
  t.is(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout);
  t.is(rows.length, 1);
  t.like(rows[0], { tenant, name: 'laptop', prefix: key.slice(0, 14), revoked_at: null });
  t.false(listed.stdout.includes(key), 'the key itself is never listed');
  const table = await cli(['keys', 'list'], dbEnv);
  t.regex(table.stdout, new RegExp(`${rows[0].id} +${tenant} +laptop +${key.slice(0, 14)}…`));

  // The key works over HTTP, by flag or by environment; without it, 401 → exit 6.
  const models = await cli(['--url', server.url, '--key', key, '--json', 'models']);
  t.is(models.code, 0, models.stderr);
  t.deepEqual(JSON.parse(models.stdout).content, [], 'a new tenant has no models');
  t.is((await cli(['--url', server.url, 'runs'], { CADRE_API_KEY: key })).code, 0);
  const none = await cli(['--url', server.url, 'models']);
  t.is(none.code, 6);
  t.regex(none.stderr, /a valid API key is required .*HTTP 401 \[UNAUTHORIZED\]/);
  // --tenant naming another tenant than the key's is refused (403 → exit 6).
  const other = await cli(['--url', server.url, '--key', key, '--tenant', 'someone-else', 'models']);
  t.is(other.code, 6);
  t.regex(other.stderr, /TENANT_MISMATCH/);

  const revoked = await cli(['keys', 'revoke', rows[0].id], dbEnv);
  t.is(revoked.code, 0, revoked.stderr);
  t.is((await cli(['--url', server.url, '--key', key, 'models'])).code, 6);
  const again = await cli(['keys', 'revoke', rows[0].id], dbEnv);
  t.is(again.code, 5);
  t.regex(again.stderr, /no active API key with id/);
  const after = JSON.parse((await cli(['--json', '--tenant', tenant, 'keys', 'list'], dbEnv)).stdout);
  t.truthy(after[0].revoked_at);
});

test.serial('keys create without --tenant, or with a malformed one, is refused', async (t) => {
  const missing = await cli(['keys', 'create'], dbEnv);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /keys create needs --tenant/);
  const bad = await cli(['--tenant', 'not a tenant', 'keys', 'create'], dbEnv);
  t.is(bad.code, 5);
  t.regex(bad.stderr, /tenant: 1-64 letters/);
});

/** POSTs with a key, answers `data`; throws on anything but 200. */
async function ok(action: string, key: string, body: unknown): Promise<any> {
  const res = await fetch(`${server.url}/api/executor/v1/${action}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body),
  });
  const answer = await res.json() as { data: any };
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(answer)}`);
  return answer.data;
}

/** A tenant with its key and a hierarchy on a simulated model of this pace. */
async function tenantWithHierarchy(prefix: string, params: Record<string, unknown>): Promise<{ tenant: string; key: string; hierarchy: { id: string; name: string } }> {
  const tenant = uniqueName(prefix);
  const { key } = await new ApiKeyService(db.store.apiKeys).create(tenant, 'cli run');
  const model = await ok('models/create', key, { name: 'sim', model_id: 'sim', provider: 'simulated', params });
  const agent = { system_prompt: 'You coordinate the teams.', llm_config: { model_id: model.id } };
  const hierarchy = await ok('hierarchies/create', key, sampleHierarchyInput({ name: `cli keys ${prefix}`, global_supervisor_agent: agent }));
  return { tenant, key, hierarchy: { id: hierarchy.id, name: hierarchy.name } };
}

const sequencesOf = (stdout: string) => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as { sequence: number }).sequence);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test.serial('run and tail with --key: the hierarchy found by name, every event once to the end; a stream cut mid-run resumes with the key', async (t) => {
  const fast = await tenantWithHierarchy('clirun', { token_delay_ms: 1, reply_tokens: 8 });
  const ran = await cli(['--url', server.url, '--key', fast.key, '--json', 'run', fast.hierarchy.name, 'Count the widgets']);
  t.is(ran.code, 0, ran.stderr);
  const events = ran.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  t.true(events.length > 10);
  t.deepEqual(events.map((e) => e.sequence), oneToN(events.length));
  t.like(events.at(-1), { event: { category: 'lifecycle', action: 'completed' } });
  const runId = events[0].run_id as number;
  t.is((await ok('runs/get', fast.key, { id: runId })).statistics.event_count, events.length);

  // tail of the finished run: the same events again, by flag or by CADRE_API_KEY; --after skips.
  const tailed = await cli(['--url', server.url, '--key', fast.key, '--json', 'tail', String(runId)]);
  t.is(tailed.code, 0, tailed.stderr);
  t.deepEqual(sequencesOf(tailed.stdout), oneToN(events.length));
  const after = await cli(['--url', server.url, '--json', 'tail', String(runId), '--after', '5'], { CADRE_API_KEY: fast.key });
  t.is(after.code, 0, after.stderr);
  t.deepEqual(sequencesOf(after.stdout), oneToN(events.length).slice(5));
  const plain = await cli(['--url', server.url, '--key', fast.key, 'tail', String(runId)]);
  t.is(plain.code, 0, plain.stderr);
  t.regex(plain.stderr, new RegExp(`run ${runId} completed`));
  t.is(plain.stdout.trim(), (await ok('runs/get', fast.key, { id: runId })).result);

  // Without a key: 401 → exit 6; with another tenant's key the run does not exist (404 → exit 5).
  const none = await cli(['--url', server.url, 'tail', String(runId)]);
  t.is(none.code, 6, none.stderr);
  t.regex(none.stderr, /HTTP 401/);
  t.is((await cli(['--url', server.url, 'run', fast.hierarchy.name, 'x'])).code, 6);
  const other = await tenantWithHierarchy('clioth', { token_delay_ms: 1, reply_tokens: 3 });
  const foreign = await cli(['--url', server.url, '--key', other.key, 'tail', String(runId)]);
  t.is(foreign.code, 5, foreign.stderr);
  t.regex(foreign.stderr, /not found.*HTTP 404/);
  const foreignRun = await cli(['--url', server.url, '--key', other.key, 'run', fast.hierarchy.name, 'x']);
  t.is(foreignRun.code, 5, foreignRun.stderr);
  t.regex(foreignRun.stderr, /no hierarchy with id or name/);

  // A live run's stream cut by the server: the reconnect carries the key too, and nothing repeats or goes missing.
  const slow = await tenantWithHierarchy('clislow', { token_delay_ms: 20, reply_tokens: 100 });
  const started = await ok('runs/start', slow.key, { hierarchy_id: slow.hierarchy.id, task: 'a task long enough to be cut' });
  const tail = startCli(['--url', server.url, '--key', slow.key, '--json', 'tail', String(started.id)]);
  await tail.until((r) => r.stdout.split('\n').length > 20);
  server.server.closeAllConnections();
  await tail.until((r) => /resuming after event \d+/.test(r.stderr));
  t.is(await tail.exited, 0, tail.stderr);
  const live = sequencesOf(tail.stdout);
  t.deepEqual(live, oneToN((await ok('runs/get', slow.key, { id: started.id })).statistics.event_count));
});

test.serial('run with --key: a SIGINT sent to the cadre process (kill -INT, as Ctrl-C) cancels the run with the key and exits 3', async (t) => {
  const slow = await tenantWithHierarchy('clicancel', { token_delay_ms: 20, reply_tokens: 200 });
  const run = startCli(['--url', server.url, '--key', slow.key, 'run', slow.hierarchy.name, 'a long task to cancel']);
  await run.until((r) => r.stderr.includes('started: a long task'));
  run.child.kill('SIGINT');
  t.is(await run.exited, 3, run.stderr);
  t.regex(run.stderr, /cancelling run (\d+)/);
  t.regex(run.stderr, /run \d+ was cancelled/);
  const runId = Number(/run (\d+) started/.exec(run.stderr)![1]);
  t.is((await ok('runs/get', slow.key, { id: runId })).status, 'cancelled');
});
