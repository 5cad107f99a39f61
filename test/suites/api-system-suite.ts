import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import test from 'ava';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { Api, buildService, expectError, useApiHarness } from '../helpers/api-harness.ts';
import { serve } from '../helpers/http-client.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { deepJsonText, withRawField } from '../helpers/deep-json.ts';

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
    t.is(res.status, 200);
    t.is(res.body.data.name, name);
  });

  test(`${b}: a 400 names the field, the type it expects and the type it received (never the value)`, async (t) => {
    const api = harness().api(t);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['runs/start', { hierarchy_id: 42, task: 'x' }, 'hierarchy_id: expected string, received number'],
      ['runs/start', { hierarchy_id: 'h' }, 'task: required (expected string)'],
      ['runs/start', { task: 'x' }, 'hierarchy_id: required (or give hierarchy_name, or thread_id)'],
      ['runs/get', { id: true }, 'id: expected number or string, received boolean'],
      ['runs/get', { id: 'abc' }, 'id: must be an integer'],
      ['models/create', { name: 'n', model_id: 'm', temperature: 'hot' }, 'temperature: expected number, received string'],
      ['models/create', { name: 'n', model_id: 'm', max_tokens: 1.5 }, 'max_tokens: expected integer, received a number with a fraction'],
      ['models/create', { name: null, model_id: 'm' }, 'name: expected string, received null'],
      ['models/create', { name: 'n', model_id: 'm', params: ['x'] }, 'params: expected object, received array'],
      ['models/list', { provider: 'nope' }, 'provider: expected one of "simulated"|"openai"|"openai-compatible"|"anthropic"|"bedrock"'],
      ['threads/get', { id: 7 }, 'id: expected string, received number'],
      ['secrets/set', { name: 'K', value: 918273645 }, 'value: expected string, received number'],
    ];
    for (const [action, body, message] of cases) {
      const res = await api.post(action, body);
      expectError(t, res, 400, message.split(':')[0], 'VALIDATION_ERROR');
      t.is(res.body.error, message, action);
      t.deepEqual(res.body.details[0], { field: message.split(':')[0], message: message.slice(message.indexOf(':') + 2) });
      t.false(res.text.includes('918273645'), 'the value sent is not echoed');
    }
    t.is(cases.length, 12);
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
    // Deep nesting is walked without recursion: a 400 naming where it went too deep, not a stack overflow.
    const deep = `{"name": ${'['.repeat(50_000)}"x"${']'.repeat(50_000)}, "model_id": "m"}`;
    const tooDeep = await api.post('models/create', deep);
    expectError(t, tooDeep, 400, undefined, 'VALIDATION_ERROR');
    t.regex(tooDeep.body.error, /^name(\[0\]){63}: nested deeper than 64 levels$/);
  });

  test(`${b}: strings holding a lone UTF-16 surrogate are refused with a 400 naming the field; valid pairs are stored`, async (t) => {
    const api = harness().api(t);
    for (const bad of ['\ud800x', 'x\udfff', '\udc00\ud800']) {
      expectError(t, await api.post('models/create', { name: bad, model_id: 'x' }), 400, 'name');
      expectError(t, await api.post('models/create', { name: uniqueName('s'), model_id: 'x', params: { [`k${bad}`]: 1 } }), 400, `params.k${bad}`);
      expectError(t, await api.post('models/create', { name: uniqueName('s'), model_id: 'x', params: { list: ['ok', bad] } }), 400, 'params.list[1]');
      expectError(t, await api.post('hierarchies/create', {
        name: uniqueName('h'), global_supervisor_agent: { system_prompt: bad },
        teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 'lead' }, workers: [{ name: 'W', role: 'r', system_prompt: 'w' }] }],
      }), 400, 'global_supervisor_agent.system_prompt');
      expectError(t, await api.post('runs/start', { hierarchy_id: 'h', task: bad }), 400, 'task');
      expectError(t, await api.post('runs/list', { status: bad }), 400, 'status');
    }
    // A well-formed pair (an emoji) and other non-ASCII text are stored and read back as sent.
    const name = `${uniqueName('emoji')} 😀 ünïcødé 中文`;
    const created = await api.ok('models/create', { name, model_id: 'x', provider: 'openai', description: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', params: { '🔑': ['😀'] } });
    const read = await api.ok('models/get', { id: created.id });
    t.is(read.name, name);
    t.is(read.description, '𝔘𝔫𝔦𝔠𝔬𝔡𝔢');
    t.deepEqual(read.params, { '🔑': ['😀'] });
  });

  test(`${b}: free-form params are bounded in depth and size with a 400 naming params`, async (t) => {
    const api = harness().api(t);
    const nested = (depth: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { leaf: true };
      for (let i = 1; i < depth; i++) value = { n: value };
      return value;
    };
    // 16 levels are stored and read back whole, on every backend (MariaDB's JSON stops short of 32).
    const ok = await api.ok('models/create', { name: uniqueName('deep'), model_id: 'x', provider: 'openai', params: nested(16) });
    t.deepEqual((await api.ok('models/get', { id: ok.id })).params, nested(16));
    const refused = await api.post('models/create', { name: uniqueName('deep'), model_id: 'x', provider: 'openai', params: nested(17) });
    expectError(t, refused, 400, 'params');
    t.regex(refused.body.error, /nested deeper than 16 levels/);
    for (const depth of [1_000, 5_000, 10_000]) {
      const deep = deepJsonText(depth - 1, { leaf: '{"leaf":true}' });
      const res = await api.post('models/create', withRawField({ name: uniqueName('deep'), model_id: 'x', provider: 'openai' }, 'params', deep));
      expectError(t, res, 400, undefined, 'VALIDATION_ERROR');
      t.regex(res.body.error, /^params(\.n)+: nested deeper than 64 levels$/);
      expectError(t, await api.post('models/update', withRawField({ id: ok.id }, 'params', deep)), 400, undefined, 'VALIDATION_ERROR');
    }
    const big = await api.post('models/create', { name: uniqueName('big'), model_id: 'x', provider: 'openai', params: { blob: 'x'.repeat(70_000) } });
    expectError(t, big, 400, 'params');
    t.regex(big.body.error, /larger than 65536 bytes/);
    expectError(t, await api.post('models/update', { id: ok.id, params: { blob: 'x'.repeat(70_000) } }), 400, 'params');
    // Nothing refused above changed the stored model.
    t.deepEqual((await api.ok('models/get', { id: ok.id })).params, nested(16));
  });

  test(`${b}: a client trickling its body is cut off with 408 and the connection closed`, async (t) => {
    const h = harness();
    const service = buildService(h.db, { bodyTimeoutMs: 300 });
    const server = await serve(service.app);
    t.teardown(async () => {
      await server.close();
      await service.stop(1000);
    });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    // One more byte now and then, never the whole body: the server must not wait for it forever.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 50);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      clearInterval(trickle);
    });
    const closed = new Promise<void>((resolve, reject) => {
      socket.on('close', () => resolve());
      // A byte trickled while the server was closing may meet a reset: fine once the answer is in.
      socket.on('error', (err) => (answer.includes('\r\n\r\n') ? resolve() : reject(err)));
    });
    socket.write(`POST ${API_PREFIX}/models/list HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"page":`);
    t.teardown(() => clearInterval(trickle));
    const deadline = setTimeout(() => socket.destroy(new Error('the server kept the trickling connection open for 10 s')), 10_000);
    await closed;
    clearTimeout(deadline);
    t.regex(answer, /^HTTP\/1\.1 408 /);
    t.regex(answer, /connection: close/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    t.like(body, { success: false, code: 408, error_code: 'REQUEST_TIMEOUT' });
    t.regex(body.error, /^body: not received within 300 ms/);
    // A client that sends its whole body in time is served as usual by the same server.
    t.is((await server.post(`${API_PREFIX}/models/list`, {})).status, 200);
  });

  test(`${b}: bodies over the limit are 413, with or without Content-Length`, async (t) => {
    const h = harness();
    const service = buildService(h.db, { bodyLimitBytes: 2048 });
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
    await api.ok('models/create', { ...big, description: 'short' });
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
    t.is((await longest.ok('models/create', valid)).name, valid.name);
    t.is((await h.api(t).ok('models/create', valid)).name, valid.name);
  });

  test(`${b}: CORS as the original: any origin by default on every route, SSE and errors included; preflight answered`, async (t) => {
    const h = harness();
    const origin = { origin: 'http://elsewhere.test:3000' };
    const api = h.api(t);
    for (const res of [
      await api.request('GET', '/health', { headers: origin }),
      await api.request('POST', `${API_PREFIX}/models/list`, { body: {}, headers: origin }),
      await api.request('POST', `${API_PREFIX}/models/get`, { body: { id: 'missing' }, headers: origin }),
      await api.request('POST', '/execute', { body: {}, headers: origin }),
    ]) {
      t.is(res.headers.get('access-control-allow-origin'), '*', `${res.status} ${res.text.slice(0, 200)}`);
      t.regex(res.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/i);
    }
    const preflight = await fetch(`${h.server.url}${API_PREFIX}/runs/stream?id=1`, {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id, x-tenant-id' },
    });
    t.is(preflight.status, 204);
    t.is(preflight.headers.get('access-control-allow-origin'), '*');
    t.regex(preflight.headers.get('access-control-allow-methods') ?? '', /GET/);
    t.regex(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /Last-Event-ID/i);
    t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /X-Tenant-Id/i);
    // The event stream of a run, as a browser's EventSource on another origin opens it.
    const model = await api.ok('models/create', { name: uniqueName('cors'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 3 } });
    const hierarchy = await api.ok('hierarchies/create', {
      name: uniqueName('cors-h'), global_supervisor_agent: { system_prompt: 'g', llm_config: { model_id: model.id } },
      teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 's', llm_config: { model_id: model.id } }, workers: [{ name: 'W', role: 'r', system_prompt: 'w', llm_config: { model_id: model.id } }] }],
    });
    const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task: 'cors' });
    const stream = await fetch(`${h.server.url}${API_PREFIX}/runs/stream?id=${run.id}`, { headers: { ...origin, accept: 'text/event-stream' } });
    t.is(stream.status, 200);
    t.regex(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    t.is(stream.headers.get('access-control-allow-origin'), '*');
    t.regex(await stream.text(), /event: close/);
  });

  test(`${b}: CORS origins are configurable: only listed origins get the headers`, async (t) => {
    const h = harness();
    const service = buildService(h.db, { corsOrigins: ['http://app.example.test', 'https://other.test:8443'] });
    const server = await serve(service.app);
    t.teardown(async () => {
      await server.close();
      await service.stop(1000);
    });
    const api = new Api(t, server.url);
    const allowed = await api.request('POST', `${API_PREFIX}/models/list`, { body: {}, headers: { origin: 'https://other.test:8443' } });
    t.is(allowed.headers.get('access-control-allow-origin'), 'https://other.test:8443');
    t.regex(allowed.headers.get('vary') ?? '', /Origin/i);
    const refused = await api.request('POST', `${API_PREFIX}/models/list`, { body: {}, headers: { origin: 'http://evil.test' } });
    t.is(refused.status, 200, 'the server answers; the browser refuses to hand the answer to the page');
    t.is(refused.headers.get('access-control-allow-origin'), null);
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
    t.truthy(create.responses?.['200'], 'create answers 200, as the original did');
    t.truthy(create.responses?.['400'], 'create documents 400');
    const modelBody = deref(doc, doc.paths[`${API_PREFIX}/models/create`].post.requestBody.content['application/json'].schema);
    t.truthy(modelBody?.properties?.api_key_env);
    t.falsy(modelBody?.properties?.api_key, 'no api_key field is documented');
    for (const action of ['set', 'list', 'delete']) t.truthy(doc.paths?.[`${API_PREFIX}/secrets/${action}`]?.post, `secrets/${action}`);
    // Starting a run may meet a bound on runs: 429 with Retry-After; a create never does.
    const start = doc.paths[`${API_PREFIX}/runs/start`].post;
    t.truthy(start.responses?.['429']?.headers?.['Retry-After'], 'runs/start documents 429 with Retry-After');
    t.truthy(doc.paths['/execute']?.post?.responses?.['429'], '/execute documents 429');
    t.falsy(create.responses?.['429']);
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
