import { request as httpRequest } from 'node:http';
import test from 'ava';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { Api, buildService, expectError, useApiHarness } from '../helpers/api-harness.ts';
import { serve } from '../helpers/http-client.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';

/** Sends `body` with chunked transfer encoding (no Content-Length), as a streaming client would. */
function postChunked(url: string, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500));
    req.end();
  });
}

/** Resolves a local `#/components/schemas/...` reference of the OpenAPI document. */
function deref(doc: any, schema: any): any {
  const ref: unknown = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  return ref.replace(/^#\//, '').split('/').reduce((node: any, key) => node?.[key], doc);
}

/** Error handling, tenancy headers and the system endpoints, run against every database backend. */
export function apiSystemSuite(backend: Backend): void {
  const harness = useApiHarness(backend);
  const b = backend;

  test(`${b}: malformed or non-object JSON bodies are 400`, async (t) => {
    const api = harness().api(t);
    const malformed = await api.post('models/create', '{"name": "x", ');
    expectError(t, malformed, 400, 'body', 'MALFORMED_JSON');
    for (const body of ['[]', '[{"name":"x","model_id":"y"}]', '"text"', '42', 'null']) {
      expectError(t, await api.post('models/create', body), 400, 'body', 'VALIDATION_ERROR');
    }
    // An empty body is {}: the missing id is named.
    expectError(t, await api.post('models/get'), 400, 'id');
    // Whatever Content-Type says, the body is read as JSON (curl -d sends form-urlencoded).
    const name = uniqueName('ct');
    const res = await api.post('models/create', JSON.stringify({ name, model_id: 'x' }), { 'content-type': 'application/x-www-form-urlencoded' });
    t.is(res.status, 201);
    t.is(res.body.data.name, name);
  });

  test(`${b}: every answer carries X-Request-Id: the caller's when well-formed, else a new one`, async (t) => {
    const api = harness().api(t);
    t.is((await api.post('models/list', {}, { 'x-request-id': 'trace-42' })).headers.get('x-request-id'), 'trace-42');
    const generated = (await api.post('models/get', { id: 'nope' })).headers.get('x-request-id') ?? '';
    t.regex(generated, /^[0-9a-f-]{36}$/);
    t.regex((await api.post('models/list', {}, { 'x-request-id': 'bad id with spaces' })).headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test(`${b}: strings holding U+0000 are refused with a 400 naming the field, on every backend`, async (t) => {
    const api = harness().api(t);
    expectError(t, await api.post('models/create', { name: 'nul\u0000name', model_id: 'x' }), 400, 'name');
    expectError(t, await api.post('models/create', { name: uniqueName('n'), model_id: 'x', params: { list: ['ok', 'b\u0000d'] } }), 400, 'params.list[1]');
    expectError(t, await api.post('runs/start', { hierarchy_id: 'h', task: 'a\u0000b' }), 400, 'task');
    // Deep nesting is walked without recursion: a 400 for the wrong type, not a stack overflow.
    const deep = `{"name": ${'['.repeat(50_000)}"x"${']'.repeat(50_000)}, "model_id": "m"}`;
    expectError(t, await api.post('models/create', deep), 400, 'name');
  });

  test(`${b}: bodies over the limit are 413, with or without Content-Length`, async (t) => {
    const h = harness();
    const service = buildService(h.db, 2048);
    const small = await serve(service.app);
    t.teardown(async () => {
      await small.close();
      await service.stop(1000);
    });
    const api = new Api(t, small.url);
    const big = { name: uniqueName('big'), model_id: 'x', description: 'x'.repeat(3000) };
    expectError(t, await api.post('models/create', big), 413, undefined, 'PAYLOAD_TOO_LARGE');
    const chunked = await postChunked(`${small.url}${API_PREFIX}/models/create`, JSON.stringify(big));
    t.is(chunked.status, 413);
    t.like(chunked.body, { success: false, code: 413, error_code: 'PAYLOAD_TOO_LARGE' });
    // Under the limit works, and the refused model was never created.
    await api.ok('models/create', { ...big, description: 'short' }, 201);
    // The default limit is 1 MiB.
    expectError(t, await h.api(t).post('models/create', { ...big, description: 'x'.repeat(1024 * 1024) }), 413, undefined, 'PAYLOAD_TOO_LARGE');
  });

  test(`${b}: unknown routes are 404 and wrong methods 405, as JSON envelopes`, async (t) => {
    const api = harness().api(t);
    expectError(t, await api.post('widgets/list', {}), 404, undefined, 'ROUTE_NOT_FOUND');
    expectError(t, await api.get('/nowhere'), 404, undefined, 'ROUTE_NOT_FOUND');
    const wrongMethod = await api.get(`${API_PREFIX}/models/create`);
    expectError(t, wrongMethod, 405, undefined, 'METHOD_NOT_ALLOWED');
    t.regex(wrongMethod.headers.get('allow') ?? '', /POST/);
    expectError(t, await api.request('DELETE', `${API_PREFIX}/hierarchies/get`), 405, undefined, 'METHOD_NOT_ALLOWED');
    expectError(t, await api.post('models/get', { id: 'missing' }), 404, undefined, 'MODEL_NOT_FOUND');
    expectError(t, await api.post('hierarchies/get', { id: 'missing' }), 404, undefined, 'HIERARCHY_NOT_FOUND');
    expectError(t, await api.post('models/get', { id: 'x'.repeat(65) }), 400, 'id');
  });

  test(`${b}: an invalid tenant is 400 naming X-Tenant-Id or tenantId`, async (t) => {
    const h = harness();
    const valid = { name: uniqueName('tenant'), model_id: 'x' };
    for (const tenant of ['x'.repeat(65), 'has space', 'semi;colon', 'a/slash']) {
      expectError(t, await h.api(t, tenant).post('models/create', valid), 400, 'X-Tenant-Id', 'VALIDATION_ERROR');
      expectError(t, await h.api(t, tenant).post('hierarchies/list', {}), 400, 'X-Tenant-Id');
    }
    for (const tenantId of ['x'.repeat(65), 'has space', 42, true]) {
      expectError(t, await h.api(t).post('models/create', { ...valid, tenantId }), 400, 'tenantId', 'VALIDATION_ERROR');
    }
    // 64 characters is still fine, and nothing refused above was created.
    const longest = h.api(t, 'x'.repeat(56) + uniqueName('').slice(-8));
    t.is(longest.tenant!.length, 64);
    t.is((await longest.ok('models/create', valid, 201)).name, valid.name);
    t.is((await h.api(t).ok('models/create', valid, 201)).name, valid.name);
  });

  test(`${b}: GET /health reports UP with the database`, async (t) => {
    const res = await harness().api(t).get('/health');
    t.is(res.status, 200);
    t.like(res.body, { success: true, message: 'healthy', data: { status: 'UP', database: { ok: true } } });
    t.regex(res.body.data.database.detail, new RegExp(backend === 'sqlite' ? 'sqlite|libsql' : backend, 'i'));
  });

  test(`${b}: GET /v3/api-docs is an OpenAPI 3.1 document of every endpoint`, async (t) => {
    const res = await harness().api(t).get('/v3/api-docs');
    t.is(res.status, 200);
    t.regex(res.headers.get('content-type') ?? '', /application\/json/);
    const doc = res.body;
    t.is(doc.openapi, '3.1.0');
    t.is(typeof doc.info?.title, 'string');
    for (const resource of ['models', 'hierarchies']) {
      for (const action of ['list', 'create', 'get', 'update', 'delete']) {
        t.truthy(doc.paths?.[`${API_PREFIX}/${resource}/${action}`]?.post, `${resource}/${action}`);
      }
    }
    const create = doc.paths[`${API_PREFIX}/hierarchies/create`].post;
    const body = deref(doc, create.requestBody?.content?.['application/json']?.schema);
    t.truthy(body?.properties?.teams, 'hierarchies/create body has teams');
    t.true((body.required as string[]).includes('teams'));
    t.truthy(create.responses?.['201'], 'create answers 201');
    t.truthy(create.responses?.['400'], 'create documents 400');
    const modelBody = deref(doc, doc.paths[`${API_PREFIX}/models/create`].post.requestBody.content['application/json'].schema);
    t.truthy(modelBody?.properties?.api_key_env);
    t.falsy(modelBody?.properties?.api_key, 'no api_key field is documented');
  });

  test(`${b}: Swagger UI page and assets are served`, async (t) => {
    const api = harness().api(t);
    const page = await api.get('/swagger-ui.html');
    t.is(page.status, 200);
    t.regex(page.headers.get('content-type') ?? '', /text\/html/);
    t.true(page.text.includes('/v3/api-docs'));
    const assets = [...page.text.matchAll(/(?:src|href)="(\/swagger-ui\/[^"]+)"/g)].map((m) => m[1]!);
    t.true(assets.includes('/swagger-ui/swagger-ui-bundle.js'));
    for (const asset of assets) t.is((await api.get(asset)).status, 200, asset);
    const bundle = await api.get('/swagger-ui/swagger-ui-bundle.js');
    t.is(bundle.status, 200);
    t.regex(bundle.headers.get('content-type') ?? '', /javascript/);
    t.true(bundle.text.includes('SwaggerUIBundle'));
    expectError(t, await api.get('/swagger-ui/package.json'), 404);
    expectError(t, await api.get('/swagger-ui/..%2F..%2Fpackage.json'), 404);
  });
}
