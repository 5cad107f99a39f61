import test from 'ava';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { ApiKeyService } from '../src/services/api-key-service.ts';
import type { ComposeOptions, Service } from '../src/compose.ts';

// Who may read /metrics, over HTTP, for each combination of API_KEYS, METRICS_TOKEN and
// METRICS_PUBLIC: the operator's token opens it, a tenant's API key never does.
const TOKEN = `metrics-${uniqueName('token')}`;
let db: TestDatabase;
let tenantKey = '';
const running: Array<{ service: Service; server: TestServer }> = [];

test.before(async () => {
  db = await createTestDatabase('sqlite');
  tenantKey = (await new ApiKeyService(db.store.apiKeys).create(uniqueName('tenant'), 'k')).key;
});
test.after.always(async () => {
  for (const { service, server } of running) {
    await server.close();
    await service.stop(1000);
  }
  await db?.drop();
});

/** A service as configured, answering GET /metrics with the given Authorization header (none if undefined). */
type MetricsGet = ((authorization?: string) => Promise<{ status: number; auth: string | null; text: string }>) & { url: string };

async function metricsOf(options: ComposeOptions): Promise<MetricsGet> {
  const service = buildService(db, options);
  const server = await serve(service.app);
  running.push({ service, server });
  const get = async (authorization?: string) => {
    const res = await fetch(`${server.url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
    return { status: res.status, auth: res.headers.get('www-authenticate'), text: await res.text() };
  };
  return Object.assign(get, { url: server.url });
}

test('API keys required, METRICS_TOKEN set: the token opens /metrics; no token, a wrong one or a tenant key is 401', async (t) => {
  const get = await metricsOf({ apiKeys: 'required', metricsAccess: { token: TOKEN } });
  const open = await get(`Bearer ${TOKEN}`);
  t.is(open.status, 200);
  t.regex(open.text, /^cadre_runs_started_total /m);
  const none = await get();
  t.is(none.status, 401);
  t.is(none.auth, 'Bearer realm="cadre-metrics"');
  t.false(none.text.includes('cadre_runs_started_total'));
  for (const [what, header] of [
    ['a tenant API key', `Bearer ${tenantKey}`], ['a wrong token', `Bearer ${TOKEN}x`], ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['a malformed header', `Basic ${TOKEN}`], ['an empty bearer', 'Bearer '],
  ] as const) {
    const refused = await get(header);
    t.is(refused.status, 401, what);
    t.is(refused.auth, 'Bearer realm="cadre-metrics", error="invalid_token"', what);
  }
  // The tenant key still opens the API it is for: the refusal is /metrics' own.
  const models = await fetch(`${get.url}/api/executor/v1/models/list`, {
    method: 'POST', headers: { authorization: `Bearer ${tenantKey}`, 'content-type': 'application/json' }, body: '{}',
  });
  t.is(models.status, 200);
});

test('API keys required, neither METRICS_TOKEN nor METRICS_PUBLIC: /metrics is 403 for anyone', async (t) => {
  const get = await metricsOf({ apiKeys: 'required' });
  for (const header of [undefined, `Bearer ${tenantKey}`, `Bearer ${TOKEN}`]) {
    const refused = await get(header);
    t.is(refused.status, 403);
    t.regex(refused.text, /METRICS_TOKEN/);
  }
});

test('METRICS_PUBLIC=true: /metrics is public even with API keys required', async (t) => {
  const get = await metricsOf({ apiKeys: 'required', metricsAccess: { public: true } });
  t.is((await get()).status, 200);
});

test('API keys off: /metrics is public, unless METRICS_TOKEN is set, then the token is required', async (t) => {
  const open = await metricsOf({});
  t.is((await open()).status, 200);
  const guarded = await metricsOf({ metricsAccess: { token: TOKEN } });
  t.is((await guarded()).status, 401);
  t.is((await guarded(`Bearer ${tenantKey}`)).status, 401);
  t.is((await guarded(`Bearer ${TOKEN}`)).status, 200);
});
