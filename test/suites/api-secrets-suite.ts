import test from 'ava';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { expectPage, uniqueTenant, useApiHarness, buildService } from '../helpers/api-harness.ts';
import { serve } from '../helpers/http-client.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { MAX_SECRETS_PER_TENANT, MAX_SECRET_VALUE_BYTES } from '../../src/domain/tenant-secrets.ts';
import { Store } from '../../src/store/store.ts';
import { TenantSecret } from '../../src/store/entities/index.ts';
import { ConfigError } from '../../src/errors/app-error.ts';
import { randomBytes } from 'node:crypto';

/** The secrets endpoints over HTTP, run against every database backend. */
export function apiSecretsSuite(backend: Backend): void {
  const harness = useApiHarness(backend);
  const b = backend;

  test(`${b}: set creates or replaces, list shows names and dates only, delete removes`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const value = `sk-${randomBytes(12).toString('hex')}`;
    const created = await api.ok('secrets/set', { name: 'openai.key', value });
    t.like(created, { name: 'openai.key', created: true });
    t.deepEqual(Object.keys(created).sort(), ['created', 'created_at', 'name', 'updated_at']);
    const replaced = await api.ok('secrets/set', { name: 'openai.key', value: `${value}-2` });
    t.like(replaced, { name: 'openai.key', created: false, created_at: created.created_at });
    t.true(Date.parse(replaced.updated_at) >= Date.parse(created.updated_at));
    await api.ok('secrets/set', { name: 'A_B-c.9', value: 'x' });
    const page = expectPage(t, await api.post('secrets/list', {}));
    t.deepEqual(page.content.map((s: any) => s.name), ['A_B-c.9', 'openai.key']);
    for (const s of page.content) t.deepEqual(Object.keys(s).sort(), ['created_at', 'name', 'updated_at']);
    t.is(page.totalElements, 2);
    const small = expectPage(t, await api.post('secrets/list', { size: 1, page: 2 }));
    t.deepEqual(small.content.map((s: any) => s.name), ['openai.key']);
    t.deepEqual(await api.ok('secrets/delete', { name: 'A_B-c.9' }), { name: 'A_B-c.9' });
    await api.fails('secrets/delete', { name: 'A_B-c.9' }, 404, undefined, 'SECRET_NOT_FOUND');
    t.deepEqual(expectPage(t, await api.post('secrets/list', {})).content.map((s: any) => s.name), ['openai.key']);
    const everything = JSON.stringify([created, replaced, page, small]);
    t.false(everything.includes(value));
  });

  test(`${b}: the value is stored encrypted, bound to its tenant and name`, async (t) => {
    const h = harness();
    const tenant = uniqueTenant();
    const value = `plain-${randomBytes(12).toString('hex')}`;
    await h.api(t, tenant).ok('secrets/set', { name: 'k', value });
    const rows = await h.db.store.orm.em.fork().find(TenantSecret, { tenantId: tenant }, { filters: false });
    t.is(rows.length, 1);
    const row = rows[0]!;
    t.false(JSON.stringify(row).includes(value));
    t.false(Buffer.from(row.ciphertext, 'base64').toString('utf8').includes(value));
    t.deepEqual((await h.db.store.forTenant(tenant).secrets.reveal(['k'])).get('k'), value);
    // Moved to another tenant's row, the ciphertext does not open there.
    const other = uniqueTenant();
    await h.api(t, other).ok('secrets/set', { name: 'k', value: 'other' });
    const em = h.db.store.orm.em.fork();
    const theirs = await em.findOneOrFail(TenantSecret, { tenantId: other, name: 'k' }, { filters: false });
    em.assign(theirs, { ciphertext: row.ciphertext, iv: row.iv, authTag: row.authTag });
    await em.flush();
    const err = await t.throwsAsync(h.db.store.forTenant(other).secrets.reveal(['k']));
    t.regex(err!.message, /secret "k" cannot be decrypted/);
    t.false(err!.message.includes(value));
  });

  test(`${b}: names, values and the number of secrets are bounded`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    for (const name of ['', 'has space', 'a/b', 'x'.repeat(129), 'é']) await api.fails('secrets/set', { name, value: 'v' }, 400, 'name');
    await api.fails('secrets/set', { name: 'x'.repeat(128), value: '' }, 400, 'value');
    await api.fails('secrets/set', { name: 'n', value: 42 }, 400, 'value');
    await api.fails('secrets/set', { name: 'n' }, 400, 'value');
    await api.fails('secrets/set', { name: 'n', value: 'v', extra: 1 }, 400, 'extra');
    const tooBig = await api.fails('secrets/set', { name: 'n', value: 'é'.repeat(MAX_SECRET_VALUE_BYTES / 2 + 1) }, 400, 'value');
    t.false(tooBig.text.includes('éé'), 'the refusal does not echo the value');
    await api.ok('secrets/set', { name: 'x'.repeat(128), value: 'v'.repeat(MAX_SECRET_VALUE_BYTES) });
    await api.fails('secrets/delete', { name: 'bad name' }, 400, 'name');
    // Up to the bound, then refused; replacing one at the bound still works.
    for (let i = 1; i < MAX_SECRETS_PER_TENANT; i++) await api.ok('secrets/set', { name: `s${i}`, value: 'v' });
    const over = await api.fails('secrets/set', { name: 'one-more', value: 'v' }, 409, 'name', 'SECRETS_LIMIT_REACHED');
    t.regex(over.body.error, new RegExp(`${MAX_SECRETS_PER_TENANT} secrets`));
    await api.ok('secrets/set', { name: 's1', value: 'replaced' });
    t.is(expectPage(t, await api.post('secrets/list', {})).totalElements, MAX_SECRETS_PER_TENANT);
    // The bound is per tenant.
    await harness().api(t, uniqueTenant()).ok('secrets/set', { name: 'one-more', value: 'v' });
  });

  test(`${b}: a tenant's secrets are invisible and untouchable from another tenant`, async (t) => {
    const h = harness();
    const a = h.api(t, uniqueTenant('a'));
    const other = h.api(t, uniqueTenant('b'));
    await a.ok('secrets/set', { name: 'shared-name', value: 'a-value' });
    t.is(expectPage(t, await other.post('secrets/list', {})).totalElements, 0);
    await other.fails('secrets/delete', { name: 'shared-name' }, 404, undefined, 'SECRET_NOT_FOUND');
    // B's model cannot name A's secret.
    await other.fails('models/create', { name: uniqueName('m'), model_id: 'x', provider: 'openai-compatible', base_url: 'https://llm.example.com/v1', api_key_secret: 'shared-name' },
      400, 'api_key_secret', 'SECRET_NOT_FOUND');
    // The same name is B's own secret.
    t.like(await other.ok('secrets/set', { name: 'shared-name', value: 'b-value' }), { created: true });
    t.is((await h.db.store.forTenant(a.tenant!).secrets.reveal(['shared-name'])).get('shared-name'), 'a-value');
    t.is((await h.db.store.forTenant(other.tenant!).secrets.reveal(['shared-name'])).get('shared-name'), 'b-value');
    t.is(expectPage(t, await a.post('secrets/list', {})).totalElements, 1);
  });

  test(`${b}: without a secrets key, set answers 503 SECRETS_KEY_MISSING and list / delete still work; stored secrets stop the start-up check`, async (t) => {
    const h = harness();
    const keyless = new Store(h.db.store.orm);
    const service = buildService({ ...h.db, store: keyless });
    const server = await serve(service.app);
    t.teardown(async () => { await server.close(); await service.stop(1000); });
    const tenant = uniqueTenant();
    const post = async (action: string, body: unknown) => {
      const res = await fetch(`${server.url}${API_PREFIX}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tenant-id': tenant }, body: JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    };
    const refused = await post('secrets/set', { name: 'k', value: 'v' });
    t.is(refused.status, 503);
    t.like(JSON.parse(refused.text), { success: false, error_code: 'SECRETS_KEY_MISSING', error: 'tenant secrets are not available: SECRETS_KEY is not configured on this server' });
    await h.api(t, tenant).ok('secrets/set', { name: 'k', value: 'v' });
    t.is(JSON.parse((await post('secrets/list', {})).text).data.totalElements, 1);
    t.is((await post('secrets/delete', { name: 'k' })).status, 200);
    // Some tenant's secret exists: a process without the key, or with another, refuses to start.
    await h.api(t, tenant).ok('secrets/set', { name: 'k', value: 'v' });
    await t.throwsAsync(keyless.checkSecretsKey(), { instanceOf: ConfigError, message: /SECRETS_KEY is not set, but the database holds \d+ tenant secret/ });
    await t.throwsAsync(new Store(h.db.store.orm, { secretsKey: randomBytes(32) }).checkSecretsKey(), { instanceOf: ConfigError, message: /does not decrypt/ });
    await t.notThrowsAsync(h.db.store.checkSecretsKey());
  });
}
