import test from 'ava';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { cli } from './helpers/cli-process.ts';
import { uniqueName } from './helpers/backends.ts';
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
