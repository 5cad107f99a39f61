import test from 'ava';
import { useApiHarness, expectError } from './helpers/api-harness.ts';
import { allApiRoutes } from './helpers/api-routes.ts';
import { uniqueName } from './helpers/backends.ts';
import { collectUntilClose } from './helpers/sse-client.ts';
import { API_PREFIX, routePath, type ApiRoute } from '../src/http/api-route.ts';
import { answerOf, examplesOf, successSchema } from '../src/http/openapi-answers.ts';
import { parseInput } from '../src/http/validate.ts';

/**
 * The OpenAPI document as a newcomer's manual (issue 21): every operation described, with
 * examples that the routes' own schemas accept, the errors it really gives, the SSE answer
 * typed, no gateway field in a sample, and the examples working against a real server.
 */
const harness = useApiHarness('sqlite');
const routes = allApiRoutes();
let doc: any;
// Each test reads the served document first (the harness's before hook runs alongside a hook here).
test.beforeEach(async () => {
  doc ??= await (await fetch(`${harness().server.url}/v3/api-docs`)).json();
});

const operation = (path: string, method = 'post') => doc.paths[path.startsWith('/') ? path : `${API_PREFIX}/${path}`]?.[method];
const deref = (schema: any): any => (typeof schema?.$ref === 'string' ? schema.$ref.replace(/^#\//, '').split('/').reduce((n: any, k: string) => n?.[k], doc) : schema);
const isOwnPath = (path: string) => path.startsWith(API_PREFIX) || path === '/execute';

/** `id:`/`event:`/`data:` frames of an SSE text. */
function framesOf(text: string): Array<{ id?: string; event?: string; data: string }> {
  return text.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
    const frame: { id?: string; event?: string; data: string } = { data: '' };
    for (const line of block.split('\n')) {
      const [field, ...rest] = line.split(': ');
      if (field === 'id' || field === 'event' || field === 'data') frame[field] = rest.join(': ');
    }
    return frame;
  });
}

test('the routes listed here are exactly the API paths the served document has', (t) => {
  const served = Object.keys(doc.paths).filter(isOwnPath).sort();
  t.true(served.length >= 36);
  t.deepEqual(routes.map(routePath).sort(), served);
});

test('every operation has a summary, a description, an example request and an example answer', (t) => {
  const checked: string[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    if (!isOwnPath(path) && !['/health', '/metrics'].includes(path)) continue;
    for (const [method, op] of Object.entries<any>(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      t.true(typeof op.summary === 'string' && op.summary.length > 10, `${name}: summary`);
      t.true(typeof op.description === 'string' && op.description.length > 20, `${name}: description`);
      if (method === 'post') {
        t.true(Object.keys(op.requestBody?.content?.['application/json']?.examples ?? {}).length > 0, `${name}: request examples`);
      } else if (isOwnPath(path)) {
        const params = (op.parameters ?? []).filter((p: any) => p.in === 'query');
        t.true(params.some((p: any) => p.example !== undefined), `${name}: a query parameter with its example`);
      }
      const success = op.responses['200'];
      const media = Object.values<any>(success?.content ?? {})[0];
      t.true(Object.keys(media?.examples ?? {}).length > 0, `${name}: answer examples`);
      checked.push(name);
    }
  }
  t.true(checked.length >= 39, checked.join(', '));
});

test("every example request parses with its route's body schema, every example answer with its response schema (nothing dropped)", (t) => {
  for (const route of routes) {
    const examples = examplesOf(route);
    t.true(examples.length > 0, `${route.path}: examples`);
    for (const example of examples) {
      t.notThrows(() => parseInput(route.body, example.request), `${route.path} "${example.summary}": request`);
      if (example.response === undefined) continue;
      const answer = answerOf(route, example.response);
      const parsed = successSchema(route).safeParse(answer);
      t.true(parsed.success, `${route.path} "${example.summary}": answer: ${parsed.error?.message}`);
      // Response schemas strip unknown keys: an answer that loses one had a key the schema does not know.
      t.deepEqual(parsed.data, answer, `${route.path} "${example.summary}": the answer has only documented fields`);
    }
    if (!route.sse) t.true(examples.some((e) => e.response !== undefined), `${route.path}: an example answer`);
  }
});

test('the SSE answer is text/event-stream of RunEvent frames; its example frames are RunEvents of the types they name', (t) => {
  const stream = routes.find((r) => r.path === '/runs/stream')!;
  for (const method of ['get', 'post']) {
    const media = operation('runs/stream', method).responses['200'].content['text/event-stream'];
    t.is(media.schema.$ref, '#/components/schemas/RunEvent', method);
    const members = deref(media.schema).anyOf ?? deref(media.schema).oneOf;
    t.true(members.length >= 22);
    t.true(members.every((m: any) => typeof m.$ref === 'string' && m.$ref.endsWith('Event')));
  }
  const frames = framesOf(stream.sse!.example);
  const events = frames.filter((f) => f.event !== 'close');
  t.true(events.length >= 3);
  for (const frame of events) {
    const event = JSON.parse(frame.data);
    const parsed = stream.sse!.data.safeParse(event);
    t.true(parsed.success, `${frame.event}: ${parsed.error?.message}`);
    t.is(frame.event, `${event.event.category}.${event.event.action}`);
    t.is(frame.id, String(event.sequence));
  }
  t.is(frames.at(-1)!.event, 'close');
  t.regex(operation('runs/stream', 'get').description, /Last-Event-ID/);
});

test('each operation lists the errors it can give, not the same list everywhere', (t) => {
  const codes = (path: string, method = 'post') => Object.keys(operation(path, method).responses).sort();
  t.deepEqual(codes('models/create'), ['200', '400', '401', '403', '408', '409', '413']);
  t.deepEqual(codes('models/list'), ['200', '400', '401', '403', '408', '413']);
  t.deepEqual(codes('runs/get'), ['200', '400', '401', '403', '404', '408', '413']);
  t.deepEqual(codes('runs/start'), ['200', '400', '401', '403', '404', '408', '409', '413', '429', '503']);
  t.deepEqual(codes('runs/stream', 'get'), ['200', '400', '401', '403', '404', '503'], 'a GET has no body to be too large or late');
  t.truthy(operation('runs/start').responses['429'].headers['Retry-After']);
  t.regex(operation('secrets/set').responses['503'].description, /SECRETS_KEY_MISSING/);
  t.regex(operation('runs/start').responses['404'].description, /hierarchy_name/);
  // A 404 only where the route declares one; every error answer is the Error envelope.
  for (const route of routes) {
    const op = operation(routePath(route));
    t.is('404' in op.responses, route.errors?.['404'] !== undefined, `${route.path}: 404`);
    t.is('409' in op.responses, route.errors?.['409'] !== undefined, `${route.path}: 409`);
    for (const [status, answer] of Object.entries<any>(op.responses)) {
      if (Number(status) < 400) continue;
      t.is(answer.content['application/json'].schema.$ref, '#/components/schemas/Error', `${route.path} ${status}`);
    }
  }
  // The 400 example is the route's own validator speaking.
  const bad = operation('models/create').responses['400'].content['application/json'].examples.example.value;
  t.like(bad, { success: false, code: 400, error_code: 'VALIDATION_ERROR', error: 'name: required (expected string)' });
});

test('no example carries a gateway field; the schemas mark them readOnly (out of Swagger samples) and gateway-only', (t) => {
  const found: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'example' || key === 'examples') && /"(tenantId|traceId|userId)"/.test(JSON.stringify(value))) found.push(`${path}.${key}`);
      walk(value, `${path}.${key}`);
    }
  };
  walk(doc, '');
  t.deepEqual(found, []);
  const schemas = [deref(operation('runs/start').requestBody.content['application/json'].schema), deref(operation('models/create').requestBody.content['application/json'].schema)];
  for (const schema of schemas) {
    for (const field of ['tenantId', 'traceId', 'userId']) {
      t.true(schema.properties[field].readOnly, field);
      t.regex(schema.properties[field].description, /^Gateway-only/);
    }
  }
  t.regex(doc.info.description, /gateway-only/);
  // The GET form's query parameters leave them out.
  t.deepEqual(operation('runs/stream', 'get').parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['id', 'last_event_id']);
});

test('/health, /metrics and the document itself are described, without an API key', (t) => {
  const health = operation('/health', 'get');
  t.deepEqual(health.security, []);
  t.deepEqual(Object.keys(health.responses).sort(), ['200', '503']);
  t.is(deref(health.responses['200'].content['application/json'].schema).properties.data.properties.status.enum.join(), 'UP,DEGRADED,DOWN');
  const metrics = operation('/metrics', 'get');
  t.regex(Object.keys(metrics.responses['200'].content)[0]!, /^text\/plain/);
  t.regex(metrics.description, /METRICS_TOKEN/);
  t.truthy(operation('/v3/api-docs', 'get'));
  t.truthy(doc.tags.find((tag: any) => tag.name === 'system'));
});

/** The examples a newcomer tries first, in order, against this server: each answers as documented. */
test.serial('the start-here examples work as they are: a model, the research hierarchy, a run by hierarchy name, a thread', async (t) => {
  const api = harness().api(t, uniqueName('newcomer'));
  // Another tenant has no "simulated" model; the research hierarchy names it, so register one first.
  await api.ok('models/create', { name: 'simulated', model_id: 'simulated', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 5 } });
  t.is((await api.ok('models/create', example('/models/create'))).name, 'sim-slow');
  const hierarchy = await api.ok('hierarchies/create', example('/hierarchies/create'));
  t.is(hierarchy.name, 'research');
  const run = await api.ok('runs/start', example('/runs/start'));
  t.is(run.hierarchy_id, hierarchy.id);
  const { frames } = await collectUntilClose(`${harness().server.url}${run.stream_url}`, { headers: { 'x-tenant-id': api.tenant! } });
  t.true(frames.some((f) => f.event === 'lifecycle.completed'), frames.map((f) => f.event).join(' '));
  t.is((await api.ok('threads/create', example('/threads/create'))).hierarchy_id, hierarchy.id);
  t.is((await api.ok('secrets/set', example('/secrets/set'))).created, true);
  // The same name again is refused as documented (409), and the run by name on another tenant is not found.
  expectError(t, await api.post('hierarchies/create', example('/hierarchies/create')), 409, undefined, 'CONFLICT');
  expectError(t, await harness().api(t, uniqueName('other')).post('runs/start', example('/runs/start')), 404, 'hierarchy_name', 'HIERARCHY_NOT_FOUND');
});

test.serial('runs/start by hierarchy_name: the name is trimmed, an unknown one is 404 naming it, with hierarchy_id it is refused', async (t) => {
  const api = harness().api(t, uniqueName('by_name'));
  await api.ok('models/create', { name: 'simulated', model_id: 'simulated', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 3 } });
  const hierarchy = await api.ok('hierarchies/create', { ...example('/hierarchies/create'), name: 'Quarterly research' });
  const run = await api.ok('runs/start', { hierarchy_name: '  Quarterly research ', task: 'x' });
  t.is(run.hierarchy_id, hierarchy.id);
  const missing = await api.fails('runs/start', { hierarchy_name: 'quarterly research', task: 'x' }, 404, 'hierarchy_name', 'HIERARCHY_NOT_FOUND');
  t.regex(missing.body.error, /no hierarchy named "quarterly research"/);
  await api.fails('runs/start', { hierarchy_name: 'Quarterly research', hierarchy_id: hierarchy.id, task: 'x' }, 400, 'hierarchy_name');
  await api.fails('runs/start', { task: 'x' }, 400, 'hierarchy_id');
  // hierarchy_id keeps its meaning: an id, never a name.
  await api.fails('runs/start', { hierarchy_id: 'Quarterly research', task: 'x' }, 404, undefined, 'HIERARCHY_NOT_FOUND');
});

function example(path: string, i = 0): Record<string, unknown> {
  return (routes.find((r: ApiRoute) => r.path === path)!.examples![i]!.request);
}
