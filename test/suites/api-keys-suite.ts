import test from 'ava';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, freshDatabase, uniqueName, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { ApiKeyService, hashApiKey } from '../../src/services/api-key-service.ts';
import { initORM } from '../../src/store/init-orm.ts';
import { committedMigrations, legacyAdoption } from '../../src/store/schema-migrations.ts';
import { applySafeDifference, readInitialSchema } from '../../src/store/legacy-schema.ts';
import { AiModel } from '../../src/store/entities/index.ts';
import { Store } from '../../src/store/store.ts';

/** The API key repository's contract (through the service that hashes keys), on every backend. */
export function apiKeysSuite(backend: Backend): void {
  let db: TestDatabase;
  test.before(async () => {
    db = await createTestDatabase(backend);
  });
  test.after.always(async () => {
    await db?.drop();
  });

  test(`${backend}: a created key authenticates as its tenant; only its hash and prefix are stored`, async (t) => {
    const keys = new ApiKeyService(db.store.apiKeys);
    const tenant = uniqueName('tk');
    const { key, record } = await keys.create(tenant, '  ci bot ');
    t.regex(key, /^cadre_[A-Za-z0-9_-]{43}$/);
    t.like(record, { tenantId: tenant, name: 'ci bot', prefix: key.slice(0, 14), revokedAt: null });
    t.is(await keys.authenticate(key), tenant);
    const rows = await db.store.orm.em.fork().getConnection().execute<Array<Record<string, unknown>>>(
      'select * from api_key where id = ?', [record.id]);
    t.is(rows.length, 1);
    const stored = JSON.stringify(rows[0]);
    t.false(stored.includes(key), 'the plain key is never stored');
    t.true(stored.includes(hashApiKey(key)));
  });

  test(`${backend}: wrong, malformed, case-changed and revoked keys do not authenticate`, async (t) => {
    const keys = new ApiKeyService(db.store.apiKeys);
    const { key, record } = await keys.create(uniqueName('tr'));
    const other = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    t.is(await keys.authenticate(other), null);
    t.is(await keys.authenticate(key.toUpperCase()), null);
    t.is(await keys.authenticate(''), null);
    t.is(await keys.authenticate('Bearer ' + key), null);
    t.is(await keys.authenticate(key + ' '), null);
    await keys.revoke(record.id);
    t.is(await keys.authenticate(key), null);
    const err = await t.throwsAsync(keys.revoke(record.id));
    t.is((err as { status?: number }).status, 404, 'revoking twice is a 404');
    const listed = (await keys.list(record.tenantId)).find((k) => k.id === record.id);
    t.truthy(listed?.revokedAt, 'a revoked key is still listed, with when');
  });

  test(`${backend}: list is per tenant when asked, and tenants compare exactly`, async (t) => {
    const keys = new ApiKeyService(db.store.apiKeys);
    const base = uniqueName('Tl');
    const a = await keys.create(base, 'one');
    const b = await keys.create(base, 'two');
    const upper = await keys.create(base.toUpperCase(), 'three');
    const listed = await keys.list(base);
    t.deepEqual(listed.map((k) => k.id).sort(), [a.record.id, b.record.id].sort());
    t.is(await keys.authenticate(upper.key), base.toUpperCase());
    const all = await keys.list();
    t.true(all.length >= 3);
    t.true([a, b, upper].every((k) => all.some((r) => r.id === k.record.id)));
  });

  test(`${backend}: a bad tenant or name is refused before anything is stored`, async (t) => {
    const keys = new ApiKeyService(db.store.apiKeys);
    for (const tenant of ['', 'has space', 'x'.repeat(65), 'tenant/1']) {
      const err = await t.throwsAsync(keys.create(tenant));
      t.is((err as { status?: number }).status, 400, tenant);
    }
    const tenant = uniqueName('tb');
    const err = await t.throwsAsync(keys.create(tenant, 'n'.repeat(256)));
    t.is((err as { status?: number }).status, 400);
    t.deepEqual(await keys.list(tenant), []);
  });

  test(`${backend}: a database from before API keys gets the table at start, its other rows kept`, async (t) => {
    const database = freshDatabase(t, backend, 'cadre_keys_old');
    // What a Cadre from before migrations and API keys left: the first migration's schema made by
    // the safe update, with a model row, and no api_key table. Adopting it adds the table.
    const old = await initORM({ database, syncSchema: false });
    await old.schema.ensureDatabase();
    const [initial] = await committedMigrations(backend);
    await applySafeDifference(old, await readInitialSchema(old, legacyAdoption(backend, initial!.name)));
    const now = new Date();
    await old.em.fork().insert(AiModel, {
      id: randomUUID(), tenantId: 't-old', name: 'kept', modelId: 'm', provider: 'simulated', isActive: true, createdAt: now, updatedAt: now,
    });
    await old.em.getConnection().execute('drop table api_key');
    await old.close(true);
    const reopened = new Store(await initORM({ database }));
    t.teardown(() => reopened.close());
    const keys = new ApiKeyService(reopened.apiKeys);
    const { key } = await keys.create('t-old');
    t.is(await keys.authenticate(key), 't-old');
    t.is((await reopened.forTenant('t-old').models.findByName('kept'))?.name, 'kept');
  });
}

