import test from 'ava';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { expectError, expectPage, uniqueTenant, useApiHarness } from '../helpers/api-harness.ts';

/** The models endpoints over HTTP, run against every database backend. */
export function apiModelsSuite(backend: Backend): void {
  // The operator lets tenants name these variables (TENANT_ENV_ALLOWED); any other is refused.
  const harness = useApiHarness(backend, { tenantEnvAllowed: ['OPENAI_*', 'BEDROCK_KEY'], outbound: { allowedHosts: ['127.0.0.1'] } });
  const b = backend;

  test(`${b}: create fills defaults, get returns the same model`, async (t) => {
    const api = harness().api(t);
    const name = uniqueName('m');
    const created = await api.ok('models/create', { name, model_id: 'sim-1' });
    t.regex(created.id, /^[0-9a-f-]{36}$/i);
    t.like(created, {
      name, model_id: 'sim-1', provider: 'simulated', base_url: null, region: null, temperature: null,
      max_tokens: null, top_p: null, description: null, is_active: true, params: null, api_key_env: null, api_key_secret: null,
    });
    t.false(Number.isNaN(Date.parse(created.created_at)));
    t.deepEqual(await api.ok('models/get', { id: created.id }), created);

    const full = await api.ok('models/create', {
      name: uniqueName('m'), model_id: 'anthropic.claude-3', region: 'eu-west-1', temperature: 0.7, max_tokens: 512,
      top_p: 0.9, description: 'd', is_active: false, params: { x: [1, 2] }, api_key_env: 'BEDROCK_KEY',
    });
    t.like(full, {
      provider: 'bedrock', region: 'eu-west-1', temperature: 0.7, max_tokens: 512, top_p: 0.9, description: 'd',
      is_active: false, params: { x: [1, 2] }, api_key_env: 'BEDROCK_KEY',
    });
    t.deepEqual(await api.ok('models/get', { id: full.id }), full);
    // An explicit provider wins over the region default.
    t.is((await api.ok('models/create', { name: uniqueName('m'), model_id: 'x', region: 'eu-west-1', provider: 'openai' })).provider, 'openai');
    // The region becomes part of Bedrock's endpoint host: only a region name is accepted.
    await api.fails('models/create', { name: uniqueName('m'), model_id: 'x', region: 'x@attacker.example/' }, 400, 'region');
    await api.fails('models/create', { name, model_id: 'other' }, 409, undefined, 'CONFLICT');
  });

  test(`${b}: list paginates and filters by is_active and provider`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const names = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    await api.ok('models/create', { name: names[0], model_id: 'x' });
    await api.ok('models/create', { name: names[1], model_id: 'x', provider: 'openai', is_active: false });
    await api.ok('models/create', { name: names[2], model_id: 'x', provider: 'openai' });

    const first = expectPage(t, await api.post('models/list', { page: 1, size: 2 }));
    t.like(first, { page: 1, size: 2, totalElements: 3, totalPages: 2, first: true, last: false });
    t.is(first.content.length, 2);
    const second = expectPage(t, await api.post('models/list', { page: 2, size: 2 }));
    t.like(second, { page: 2, size: 2, totalElements: 3, totalPages: 2, first: false, last: true });
    t.deepEqual([...first.content, ...second.content].map((m: any) => m.name).sort(), [...names].sort());
    const beyond = expectPage(t, await api.post('models/list', { page: 3, size: 2 }));
    t.like(beyond, { totalElements: 3, first: false, last: true });
    t.deepEqual(beyond.content, []);

    const defaults = expectPage(t, await api.post('models/list', {}));
    t.like(defaults, { page: 1, size: 20, totalElements: 3, totalPages: 1, first: true, last: true });
    const inactive = expectPage(t, await api.post('models/list', { is_active: false }));
    t.deepEqual(inactive.content.map((m: any) => m.name), [names[1]]);
    t.is(inactive.totalElements, 1);
    const simulated = expectPage(t, await api.post('models/list', { provider: 'simulated' }));
    t.deepEqual(simulated.content.map((m: any) => m.name), [names[0]]);
    const activeOpenai = expectPage(t, await api.post('models/list', { provider: 'openai', is_active: true }));
    t.deepEqual(activeOpenai.content.map((m: any) => m.name), [names[2]]);
    await api.fails('models/list', { provider: 'nope' }, 400, 'provider');
  });

  test(`${b}: update changes only the given fields`, async (t) => {
    const api = harness().api(t);
    const created = await api.ok('models/create', { name: uniqueName('u'), model_id: 'x', temperature: 0.5, top_p: 0.5 });
    const updated = await api.ok('models/update', { id: created.id, temperature: 1.5, description: 'new' });
    t.like(updated, { id: created.id, name: created.name, model_id: 'x', temperature: 1.5, top_p: 0.5, description: 'new' });
    t.deepEqual(await api.ok('models/get', { id: created.id }), updated);
    // null clears an optional field.
    t.is((await api.ok('models/update', { id: created.id, top_p: null })).top_p, null);

    const other = await api.ok('models/create', { name: uniqueName('u'), model_id: 'y' });
    await api.fails('models/update', { id: created.id, name: other.name }, 409, undefined, 'CONFLICT');
    t.is((await api.ok('models/update', { id: created.id, name: created.name })).name, created.name, 'keeping its own name is no conflict');
    await api.fails('models/update', { id: created.id }, 400, 'body');
    await api.fails('models/update', { id: created.id, params: { token_delay_ms: -1 } }, 400, 'params.token_delay_ms');
    await api.fails('models/update', { id: created.id, temperature: 2.5 }, 400, 'temperature');
    await api.fails('models/update', { id: 'no-such-model', temperature: 1 }, 404, undefined, 'MODEL_NOT_FOUND');
    t.like(await api.ok('models/get', { id: created.id }), { name: created.name, temperature: 1.5, top_p: null });
  });

  test(`${b}: delete removes the model, then get and delete answer 404`, async (t) => {
    const api = harness().api(t);
    const created = await api.ok('models/create', { name: uniqueName('d'), model_id: 'x' });
    t.deepEqual(await api.ok('models/delete', { id: created.id }), { id: created.id });
    await api.fails('models/get', { id: created.id }, 404, undefined, 'MODEL_NOT_FOUND');
    await api.fails('models/delete', { id: created.id }, 404, undefined, 'MODEL_NOT_FOUND');
    // The name is free again.
    await api.ok('models/create', { name: created.name, model_id: 'x' });
  });

  test(`${b}: no field can hold an API key, only the name of an environment variable`, async (t) => {
    const api = harness().api(t);
    await api.fails('models/create', { name: uniqueName('k'), model_id: 'x', api_key: 'sk-secret' }, 400, 'api_key');
    await api.fails('models/create', { name: uniqueName('k'), model_id: 'x', api_key_env: 'sk-live-123' }, 400, 'api_key_env');
    const created = await api.ok('models/create', { name: uniqueName('k'), model_id: 'x', api_key_env: 'OPENAI_API_KEY' });
    await api.fails('models/update', { id: created.id, api_key: 'sk-secret' }, 400, 'api_key');
    const got = await api.ok('models/get', { id: created.id });
    t.deepEqual(Object.keys(got).filter((k) => /key|secret|password|credential/i.test(k)), ['api_key_env', 'api_key_secret']);
    t.false(JSON.stringify(got).includes('sk-'));
  });

  test(`${b}: api_key_env only names variables TENANT_ENV_ALLOWED allows; api_key_secret only existing secrets; never both`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const base = () => ({ name: uniqueName('e'), model_id: 'x', provider: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' });
    for (const variable of ['DATABASE_URL', 'AWS_SECRET_ACCESS_KEY', 'SECRETS_KEY', 'OPENAI']) {
      const res = await api.fails('models/create', { ...base(), api_key_env: variable }, 400, 'api_key_env', 'ENV_NOT_ALLOWED');
      t.is(res.body.error, `api_key_env: ${variable} is not allowed by TENANT_ENV_ALLOWED`);
    }
    const allowed = await api.ok('models/create', { ...base(), api_key_env: 'OPENAI_PROJECT_KEY' });
    await api.fails('models/update', { id: allowed.id, api_key_env: 'DATABASE_URL' }, 400, 'api_key_env', 'ENV_NOT_ALLOWED');
    const missing = await api.fails('models/create', { ...base(), api_key_secret: 'nope' }, 400, 'api_key_secret', 'SECRET_NOT_FOUND');
    t.regex(missing.body.error, /"nope" does not exist/);
    await api.fails('models/create', { ...base(), api_key_secret: 'bad name!' }, 400, 'api_key_secret');
    await api.ok('secrets/set', { name: 'provider.key', value: 'sk-tenant-0123' });
    await api.fails('models/create', { ...base(), api_key_env: 'OPENAI_X', api_key_secret: 'provider.key' }, 400, 'api_key_secret');
    // Switching the stored row from a variable to a secret needs the variable cleared.
    await api.fails('models/update', { id: allowed.id, api_key_secret: 'provider.key' }, 400, 'api_key_secret');
    const switched = await api.ok('models/update', { id: allowed.id, api_key_secret: 'provider.key', api_key_env: null });
    t.like(switched, { api_key_secret: 'provider.key', api_key_env: null });
    t.deepEqual(await api.ok('models/get', { id: allowed.id }), switched);
    t.false(JSON.stringify(switched).includes('sk-tenant'));
  });

  test(`${b}: create validation names the offending field`, async (t) => {
    const api = harness().api(t);
    const base = { name: uniqueName('v'), model_id: 'x' };
    await api.fails('models/create', { ...base, params: { token_delay_ms: -1 } }, 400, 'params.token_delay_ms', 'VALIDATION_ERROR');
    await api.fails('models/create', { ...base, params: { reply_tokens: 'many' } }, 400, 'params.reply_tokens');
    await api.fails('models/create', { ...base, temperature: 3 }, 400, 'temperature', 'VALIDATION_ERROR');
    await api.fails('models/create', { ...base, temperature: '0.5' }, 400, 'temperature');
    await api.fails('models/create', { ...base, max_tokens: 0 }, 400, 'max_tokens');
    await api.fails('models/create', { ...base, max_tokens: 1.5 }, 400, 'max_tokens');
    await api.fails('models/create', { ...base, top_p: 2 }, 400, 'top_p');
    await api.fails('models/create', { ...base, base_url: 'not a url' }, 400, 'base_url');
    await api.fails('models/create', { ...base, provider: 'skynet' }, 400, 'provider');
    await api.fails('models/create', { model_id: 'x' }, 400, 'name');
    await api.fails('models/create', { ...base, name: '   ' }, 400, 'name');
    await api.fails('models/create', { name: base.name }, 400, 'model_id');
    await api.fails('models/list', { page: 0 }, 400, 'page');
    await api.fails('models/list', { size: 101 }, 400, 'size');
    await api.fails('models/list', { size: 0 }, 400, 'size');
    await api.fails('models/get', {}, 400, 'id');
    await api.fails('models/delete', { id: '' }, 400, 'id');
    await api.fails('models/update', { temperature: 1 }, 400, 'id');
    // Nothing was created by the refused requests.
    await api.ok('models/create', base);
    // Non-simulated providers keep their params as given.
    await api.ok('models/create', { name: uniqueName('v'), model_id: 'x', provider: 'openai', params: { token_delay_ms: -1 } });
  });

  test(`${b}: a model of tenant A is invisible and untouchable from tenant B`, async (t) => {
    const h = harness();
    const tenantA = uniqueTenant('a');
    const a = h.api(t, tenantA);
    const bApi = h.api(t, uniqueTenant('b'));
    const created = await a.ok('models/create', { name: uniqueName('shared'), model_id: 'x', temperature: 0.3 });

    await bApi.fails('models/get', { id: created.id }, 404, undefined, 'MODEL_NOT_FOUND');
    await bApi.fails('models/update', { id: created.id, temperature: 1.9, name: 'stolen' }, 404, undefined, 'MODEL_NOT_FOUND');
    await bApi.fails('models/delete', { id: created.id }, 404, undefined, 'MODEL_NOT_FOUND');
    t.is(expectPage(t, await bApi.post('models/list', { size: 100 })).totalElements, 0);
    // The same name is free in B.
    await bApi.ok('models/create', { name: created.name, model_id: 'y' });

    t.deepEqual(await a.ok('models/get', { id: created.id }), created);
    const listA = expectPage(t, await a.post('models/list', { size: 100 }));
    t.deepEqual(listA.content, [created]);
  });

  test(`${b}: the tenant comes from X-Tenant-Id, else body tenantId, else default`, async (t) => {
    const h = harness();
    const tenant = uniqueTenant('body');
    const noHeader = h.api(t);
    const byBody = await noHeader.ok('models/create', { name: uniqueName('tb'), model_id: 'x', tenantId: tenant, traceId: 'tr', userId: 'u' });
    t.deepEqual(await h.api(t, tenant).ok('models/get', { id: byBody.id }), byBody);
    t.deepEqual(await noHeader.ok('models/get', { id: byBody.id, tenantId: tenant }), byBody);
    await noHeader.fails('models/get', { id: byBody.id }, 404, undefined, 'MODEL_NOT_FOUND');
    // The header wins over the body field.
    expectError(t, await h.api(t, uniqueTenant('hdr')).post('models/get', { id: byBody.id, tenantId: tenant }), 404, undefined, 'MODEL_NOT_FOUND');

    const byDefault = await noHeader.ok('models/create', { name: uniqueName('td'), model_id: 'x' });
    t.deepEqual(await h.api(t, 'default').ok('models/get', { id: byDefault.id }), byDefault);
    await h.api(t, tenant).fails('models/get', { id: byDefault.id }, 404, undefined, 'MODEL_NOT_FOUND');
    // The seeded model lives in the default tenant only.
    const seeded = expectPage(t, await noHeader.post('models/list', { provider: 'simulated', size: 100 }));
    t.true(seeded.content.some((m: any) => m.name === 'simulated'));
    t.is(expectPage(t, await h.api(t, tenant).post('models/list', {})).totalElements, 1);
  });
}
