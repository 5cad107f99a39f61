import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import type { Backend } from '../helpers/backends.ts';
import { uniqueName } from '../helpers/backends.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { useRunHarness } from './sse-suite.ts';
import { deepJsonText } from '../helpers/deep-json.ts';

/** Strings an attacker would try: lone surrogates, NUL, control and non-BMP characters, long text. */
const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800', '😀', 'TENANT-A', "'; drop table ai_model; --", '../..', '%00', '-1', '0', '1e999', 'x'.repeat(300)),
  fc.nat({ max: 70_000 }).map((n) => 'y'.repeat(n)),
);

/** Any JSON value, a few levels deep, with nasty strings as keys and values. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), 1e308, 0.5)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Values nested 1 to 12,000 levels deep, as objects or arrays. */
/**
 * A value thousands of levels deep. It stands in the body as a placeholder string, replaced by
 * its text once the body is serialised (JSON.stringify of the value itself would overflow the
 * test's stack before the server saw it).
 */
const DEEP_PLACEHOLDER = '\u0000deep:';
const deepJson: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1, max: 12_000 }), fc.boolean())
  .map(([depth, asArray]) => `${DEEP_PLACEHOLDER}${depth}:${asArray ? 'array' : 'object'}`);

/** The body's text with a deep value's placeholder (as a JSON string) replaced by the value's own text. */
function expandDeep(text: string): string {
  return text.replace(/"\\u0000deep:(\d+):(array|object)"/, (_, depth: string, kind: string) => deepJsonText(Number(depth), { key: 'k', asArray: kind === 'array' }));
}

/** Every path into `value` (objects and arrays), the root included as []. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const paths = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, k]));
  return paths;
}

/** A copy of `base` with the value at `path` (or a new key beside it) replaced. */
function withValueAt(base: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = structuredClone(base);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
  return copy;
}

interface Target {
  action: string;
  /** A valid body, made anew per request so names stay unique and a mutation reaches storage. */
  base: () => Record<string, unknown>;
}

/** Requests any client may send: well-formed bodies with one value anywhere replaced, random objects, raw text. */
function requestArbitrary(targets: Target[]) {
  const mutated = fc.constantFrom(...targets).chain((target) =>
    fc.record({
      action: fc.constant(target.action),
      path: fc.constantFrom(...pathsOf(target.base()).filter((p) => p.length > 0)),
      extraKey: fc.option(nastyString, { nil: undefined, freq: 4 }),
      value: fc.oneof({ weight: 3, arbitrary: nastyString }, { weight: 2, arbitrary: anyJson }, { weight: 1, arbitrary: deepJson }),
    }).map(({ action, path, extraKey, value }) => ({
      action,
      body: expandDeep(JSON.stringify(withValueAt(target.base(), extraKey === undefined ? path : [...path.slice(0, -1), extraKey], value)) as string),
    })));
  const randomObject = fc.record({
    action: fc.constantFrom(...targets.map((t) => t.action)),
    body: fc.dictionary(nastyString, anyJson, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  });
  const rawText = fc.record({
    action: fc.constantFrom(...targets.map((t) => t.action)),
    body: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('{', '{"id":', '[]', 'null', '"x"', '{"a":1}}', '\u0000')),
  });
  // Mostly the suite's own tenant, so most requests get past tenancy to the schemas and storage.
  const tenant = fc.oneof(
    { weight: 6, arbitrary: fc.constant('fuzz-tenant') },
    { weight: 2, arbitrary: fc.constantFrom(undefined, 'FUZZ-TENANT', 'Fuzz-Tenant') },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(65), 'a b', 'ünï') },
  );
  return fc.record({ request: fc.oneof({ weight: 6, arbitrary: mutated }, { weight: 2, arbitrary: randomObject }, { weight: 1, arbitrary: rawText }), tenant });
}

/** Answers must never carry this: the value of the suite's own secret. */
const FUZZ_SECRET = `fuzz-secret-value-${Math.random().toString(36).slice(2)}`;

async function send(t: ExecutionContext, url: string, body: string, tenant: string | undefined): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(tenant !== undefined && { 'x-tenant-id': tenant }) },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text(); // a stream of a short run ends by itself
  if (res.status >= 500) t.log(`${res.status} for ${url} ${body.slice(0, 300)}: ${text.slice(0, 300)}`);
  if (text.includes(FUZZ_SECRET)) {
    t.log(`a secret leaked from ${url} ${body.slice(0, 300)}`);
    return 599; // fails the property like a 5xx
  }
  return res.status;
}

/** Property-based: no generated input, however malformed, answers 5xx on any endpoint. */
export function apiFuzzSuite(backend: Backend): void {
  // Rows naming KEY are allowed, so mutated model bodies get past the allow-list to storage.
  const harness = useRunHarness(backend, { tenantEnvAllowed: ['KEY'], outbound: { allowedHosts: ['127.0.0.1'] } });

  test(`${backend}: no generated request body answers 5xx on any endpoint`, async (t) => {
    const h = harness();
    const api = h.api(t, 'fuzz-tenant');
    const model = await api.ok('models/create', { name: uniqueName('fuzz'), model_id: 'x', provider: 'openai', params: { a: { b: [1] } } });
    const hierarchyId = await h.hierarchy(api, 0);
    const runId = await h.start(api, hierarchyId);
    await h.stream(runId);
    await api.ok('secrets/set', { name: 'fuzz.key', value: FUZZ_SECRET });
    const mcpServer = await api.ok('mcp-servers/create', { name: uniqueName('mcp').replaceAll('_', '-'), url: 'http://127.0.0.1:9/mcp', headers_secret: { Authorization: 'fuzz.key' } });
    const hierarchy = () => sampleHierarchyInput({ name: uniqueName('fuzz-h') }) as unknown as Record<string, unknown>;
    const targets: Target[] = [
      { action: 'models/create', base: () => ({ name: uniqueName('m'), model_id: 'x', provider: 'openai', temperature: 0.5, max_tokens: 10, top_p: 1, description: 'd', is_active: true, params: { a: 1 }, api_key_env: 'KEY', base_url: 'http://h.test/v1', region: 'us-east-1' }) },
      { action: 'models/update', base: () => ({ id: model.id, name: uniqueName('m'), description: 'x', params: { b: [1, 2] }, temperature: 1 }) },
      { action: 'models/get', base: () => ({ id: model.id }) },
      { action: 'models/delete', base: () => ({ id: uniqueName('missing') }) },
      { action: 'models/list', base: () => ({ page: 1, size: 20, is_active: true, provider: 'openai' }) },
      { action: 'hierarchies/create', base: hierarchy },
      { action: 'hierarchies/update', base: () => ({ id: hierarchyId, description: 'x', teams: hierarchy().teams }) },
      { action: 'hierarchies/get', base: () => ({ id: hierarchyId }) },
      { action: 'hierarchies/list', base: () => ({ page: 1, size: 5, is_active: true }) },
      { action: 'runs/start', base: () => ({ hierarchy_id: uniqueName('no-such-hierarchy'), task: 'fuzz' }) },
      { action: 'runs/get', base: () => ({ id: runId }) },
      { action: 'runs/list', base: () => ({ page: 1, size: 5, hierarchy_id: hierarchyId, status: 'completed' }) },
      { action: 'runs/cancel', base: () => ({ id: runId }) },
      { action: 'runs/inspect', base: () => ({ id: runId }) },
      { action: 'runs/events', base: () => ({ id: runId, start_id: '-', end_id: '+', limit: 10 }) },
      { action: 'runs/stream', base: () => ({ id: runId, last_event_id: '3' }) },
      { action: 'models/create', base: () => ({ name: uniqueName('m'), model_id: 'x', provider: 'openai-compatible', base_url: 'http://h.test/v1', api_key_secret: 'fuzz.key' }) },
      { action: 'secrets/set', base: () => ({ name: uniqueName('s'), value: 'v' }) },
      { action: 'secrets/set', base: () => ({ name: 'fuzz.key', value: FUZZ_SECRET }) },
      { action: 'secrets/list', base: () => ({ page: 1, size: 5 }) },
      { action: 'secrets/delete', base: () => ({ name: uniqueName('missing') }) },
      { action: 'mcp-servers/create', base: () => ({ name: uniqueName('mcp').replaceAll('_', '-'), url: 'http://127.0.0.1:9/mcp', headers_env: { 'X-Key': 'KEY' }, headers_secret: { Authorization: 'fuzz.key' }, description: 'd', is_active: true }) },
      { action: 'mcp-servers/update', base: () => ({ id: mcpServer.id, description: 'x', headers_secret: { Authorization: 'fuzz.key' } }) },
      { action: 'mcp-servers/get', base: () => ({ id: mcpServer.id }) },
      { action: 'mcp-servers/list', base: () => ({ page: 1, size: 5, is_active: true }) },
      { action: 'mcp-servers/delete', base: () => ({ id: uniqueName('missing') }) },
    ];
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(targets), async ({ request, tenant }) => {
        const status = await send(t, `${h.server.url}${API_PREFIX}/${request.action}`, request.body, tenant);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        return status < 500;
      }),
      { numRuns: 500, endOnFailure: true },
    );
    t.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    t.true(statuses.size > 0);
    t.true([...statuses.keys()].some((s) => s === 400), 'the fuzz reached validation');
  });

  test(`${backend}: no generated query string answers 5xx on GET runs/stream`, async (t) => {
    const h = harness();
    const query = fc.dictionary(fc.constantFrom('id', 'last_event_id', 'tenantId', 'page', 'x'), nastyString, { maxKeys: 3 });
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const search = new URLSearchParams(params as Record<string, string>).toString();
        const res = await fetch(`${h.server.url}${API_PREFIX}/runs/stream?${search}`, { signal: AbortSignal.timeout(60_000) });
        await res.text();
        answered++;
        return res.status < 500;
      }),
      { numRuns: 150, endOnFailure: true },
    );
    t.true(answered > 0);
  });
}
