import test from 'ava';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';
import { ApiKeyService } from '../src/services/api-key-service.ts';
import type { Service } from '../src/compose.ts';

/** API_KEYS=required, end to end over HTTP: every route, every way a key can be wrong, tenant binding. */
let db: TestDatabase;
let service: Service;
let server: TestServer;
let keys: ApiKeyService;
const tenantA = uniqueName('ka');
const tenantB = uniqueName('kb');
let keyA = '';
let keyB = '';
let revoked = '';
const seeded: Record<string, { hierarchyId: string; runId: number; modelId: string }> = {};

interface Answer { status: number; headers: Headers; text: string; body: any }

async function call(method: string, path: string, options: { key?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (method !== 'GET' && method !== 'OPTIONS') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body ?? {});
  }
  const res = await fetch(server.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = null;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, body: parsed };
}

async function ok(path: string, key: string, body: unknown): Promise<any> {
  const res = await call('POST', `/api/executor/v1/${path}`, { key, body });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
  return res.body.data;
}

/** Waits until the run has ended (its stream closes after the terminal event). */
async function finished(runId: number, key: string): Promise<string> {
  const res = await call('GET', `/api/executor/v1/runs/stream?id=${runId}&access_token=${encodeURIComponent(key)}`);
  if (res.status !== 200) throw new Error(`stream ${res.status} ${res.text}`);
  return res.text;
}

test.before(async () => {
  db = await createTestDatabase('sqlite');
  service = buildService(db, { apiKeys: 'required' });
  server = await serve(service.app);
  keys = new ApiKeyService(db.store.apiKeys);
  keyA = (await keys.create(tenantA, 'a')).key;
  keyB = (await keys.create(tenantB, 'b')).key;
  const gone = await keys.create(tenantA, 'revoked');
  revoked = gone.key;
  await keys.revoke(gone.record.id);
  for (const [tenant, key] of [[tenantA, keyA], [tenantB, keyB]] as const) {
    const model = await ok('models/create', key, { name: 'fast', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 3 } });
    const agent = { system_prompt: 'x', llm_config: { model_id: model.id } };
    const hierarchy = await ok('hierarchies/create', key, sampleHierarchyInput({ name: `h-${tenant}`, global_supervisor_agent: agent }));
    const run = await ok('runs/start', key, { hierarchy_id: hierarchy.id, task: `task of ${tenant}` });
    await finished(run.id, key);
    seeded[tenant] = { hierarchyId: hierarchy.id, runId: run.id, modelId: model.id };
  }
});
test.after.always(async () => {
  await server?.close();
  await service?.stop(1000);
  await db?.drop();
});

/**
 * Every operation the API serves behind a key, from its own OpenAPI document, so a new route is
 * covered at once. Operations that declare their own `security` (/health, /metrics, the document)
 * are the public ones; they are tested apart.
 */
async function operations(): Promise<Array<{ method: 'GET' | 'POST'; path: string }>> {
  const doc = (await call('GET', '/v3/api-docs')).body as { paths: Record<string, Record<string, { security?: unknown }>> };
  const ops: Array<{ method: 'GET' | 'POST'; path: string }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (op.security === undefined) ops.push({ method: method.toUpperCase() as 'GET' | 'POST', path });
    }
  }
  return ops;
}

function expect401(t: import('ava').ExecutionContext, res: Answer, what: string): void {
  t.is(res.status, 401, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  t.regex(res.headers.get('www-authenticate') ?? '', /^Bearer\b/, what);
  t.like(res.body, { success: false, code: 401, error_code: 'UNAUTHORIZED', error: 'a valid API key is required (Authorization: Bearer <key>)' }, what);
}

test('every API operation answers 401 without a key, with a malformed, a wrong or a revoked one — all alike', async (t) => {
  const ops = await operations();
  t.true(ops.length >= 20, `${ops.length} operations`);
  t.true(ops.some((o) => o.path.endsWith('/runs/stream') && o.method === 'GET'));
  t.true(ops.some((o) => o.path === '/execute'));
  const wrong = keyA.slice(0, -2) + (keyA.endsWith('AA') ? 'BB' : 'AA');
  const variants: Array<[string, Record<string, string>]> = [
    ['missing', {}],
    ['basic scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['not a key', { authorization: 'Bearer hello' }],
    ['wrong key', { authorization: `Bearer ${wrong}` }],
    ['revoked key', { authorization: `Bearer ${revoked}` }],
    ['tenant header alone', { 'x-tenant-id': tenantA }],
  ];
  const bodies = new Set<string>();
  for (const op of ops) {
    const path = op.path + (op.method === 'GET' ? `?id=${seeded[tenantA]!.runId}` : '');
    for (const [what, headers] of variants) {
      const res = await call(op.method, path, { headers, body: { id: seeded[tenantA]!.runId } });
      expect401(t, res, `${op.method} ${op.path} ${what}`);
      bodies.add(res.text);
    }
    // With a valid key the same request gets past authentication.
    const passed = await call(op.method, path, { key: keyA, body: op.path === '/execute' ? { task: '' } : {} });
    t.false([401, 403].includes(passed.status), `${op.method} ${op.path} with a key: ${passed.status} ${passed.text.slice(0, 200)}`);
  }
  t.is(bodies.size, 1, 'one refusal for every case: nothing tells which keys exist');
  // A route that does not exist is refused the same way: the API's shape is not public either.
  expect401(t, await call('POST', '/api/executor/v1/nothing/here'), 'unknown route');
});

test('a key binds its tenant: another X-Tenant-Id or tenantId is refused on every operation; the same one is accepted', async (t) => {
  const ops = await operations();
  t.true(ops.length > 0);
  for (const op of ops) {
    const path = op.path + (op.method === 'GET' ? `?id=${seeded[tenantB]!.runId}` : '');
    const byHeader = await call(op.method, path, { key: keyA, headers: { 'x-tenant-id': tenantB }, body: { id: seeded[tenantB]!.runId } });
    t.is(byHeader.status, 403, `${op.method} ${op.path} header: ${byHeader.text.slice(0, 200)}`);
    t.like(byHeader.body, { error_code: 'TENANT_MISMATCH' });
    // Bodiless methods (GET, DELETE) take the field from the query string.
    const byField = op.method === 'POST'
      ? await call('POST', path, { key: keyA, body: { id: seeded[tenantB]!.runId, tenantId: tenantB } })
      : await call(op.method, `${path}${path.includes('?') ? '&' : '?'}tenantId=${tenantB}`, { key: keyA });
    t.is(byField.status, 403, `${op.method} ${op.path} field: ${byField.text.slice(0, 200)}`);
    t.like(byField.body, { error_code: 'TENANT_MISMATCH' });
  }
  const same = await call('POST', '/api/executor/v1/runs/get', { key: keyA, headers: { 'x-tenant-id': tenantA }, body: { id: seeded[tenantA]!.runId, tenantId: tenantA } });
  t.is(same.status, 200);
});

test("a key for tenant A never sees tenant B's rows", async (t) => {
  const a = seeded[tenantA]!;
  const b = seeded[tenantB]!;
  for (const [list, ownId] of [['models/list', a.modelId], ['hierarchies/list', a.hierarchyId], ['runs/list', a.runId]] as const) {
    const page = await ok(list, keyA, { size: 100 });
    const ids = page.content.map((r: { id: unknown }) => r.id);
    t.true(ids.length > 0, list);
    t.true(ids.includes(ownId), list);
    t.false(ids.includes(list === 'models/list' ? b.modelId : list === 'hierarchies/list' ? b.hierarchyId : b.runId), list);
  }
  for (const [path, body] of [
    ['models/get', { id: b.modelId }], ['hierarchies/get', { id: b.hierarchyId }], ['runs/get', { id: b.runId }],
    ['runs/inspect', { id: b.runId }], ['runs/events', { id: b.runId }], ['runs/stream', { id: b.runId }],
  ] as const) {
    const res = await call('POST', `/api/executor/v1/${path}`, { key: keyA, body });
    t.is(res.status, 404, `${path}: ${res.text.slice(0, 200)}`);
  }
  t.is((await call('GET', `/api/executor/v1/runs/stream?id=${b.runId}&access_token=${keyA}`)).status, 404);
  // And B's own key reads it.
  t.is((await ok('runs/get', keyB, { id: b.runId })).id, b.runId);
});

test('access_token: a GET stream accepts the key as a query parameter; other methods do not', async (t) => {
  const { runId } = seeded[tenantA]!;
  const text = await finished(runId, keyA);
  t.true(text.includes('event: lifecycle.completed'));
  t.true(text.includes('event: close'));
  expect401(t, await call('GET', `/api/executor/v1/runs/stream?id=${runId}&access_token=${revoked}`), 'revoked access_token');
  expect401(t, await call('GET', `/api/executor/v1/runs/stream?id=${runId}&access_token=`), 'empty access_token');
  expect401(t, await call('POST', `/api/executor/v1/runs/stream?access_token=${keyA}`, { body: { id: runId } }), 'access_token on POST');
  // The header wins over the query parameter: a bad header is not rescued by a good token.
  expect401(t, await call('GET', `/api/executor/v1/runs/stream?id=${runId}&access_token=${keyA}`, { headers: { authorization: 'Bearer nope' } }), 'bad header, good token');
});

test('public without a key: health, the OpenAPI document, Swagger UI and the viewer files; /metrics is closed, even to a tenant key', async (t) => {
  t.is((await call('GET', '/health')).status, 200);
  // Neither METRICS_TOKEN nor METRICS_PUBLIC: the operator's metrics are never public by accident.
  t.is((await call('GET', '/metrics')).status, 403);
  t.is((await call('GET', '/metrics', { key: keyA })).status, 403);
  const docs = await call('GET', '/v3/api-docs');
  t.is(docs.status, 200);
  t.true(Object.keys(docs.body.paths).length > 0);
  t.like(docs.body.components.securitySchemes.apiKey, { type: 'http', scheme: 'bearer' });
  t.is((await call('GET', '/swagger-ui.html')).status, 200);
  t.is((await call('GET', '/swagger-ui/swagger-ui.css')).status, 200);
  // `/` redirects to the viewer, whose page and modules are served without a key.
  for (const path of ['/', '/viewer', '/viewer/', '/viewer/index.html', '/viewer/app.js']) {
    t.is((await call('GET', path)).status, 200, path);
  }
});

test('CORS preflight lets a browser send Authorization', async (t) => {
  const res = await call('OPTIONS', '/api/executor/v1/runs/list', {
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.true(res.status < 300, String(res.status));
  t.regex(res.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
});
