import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderHarness, hierarchyBrain } from './helpers/provider-harness.ts';
import { ScriptedProviderServer } from './helpers/scripted-provider-server.ts';
import { openaiChatWire } from './helpers/openai-chat-wire.ts';
import { Api, uniqueTenant } from './helpers/api-harness.ts';
import { uniqueName } from './helpers/backends.ts';
import { collectUntilClose, eventFrames } from './helpers/sse-client.ts';
import { startMcpTestServer, type McpTestServer } from './helpers/mcp-test-server.ts';
import { API_PREFIX } from '../src/http/api-route.ts';

// Black box, as a hostile tenant would try it: a listener the tenant controls stands in for an
// OpenAI-compatible server (and an MCP server). The operator's environment must never reach it;
// a tenant's secret reaches it only for that tenant's own rows, and shows in no answer, event or
// error. The server runs with the default TENANT_ENV_ALLOWED (none).

const SERVER_SECRET = `server-only-${randomBytes(12).toString('hex')}`;
const OPERATOR_KEYS = {
  SOME_SECRET_VAR: SERVER_SECRET,
  OPENAI_COMPATIBLE_API_KEY: `sk-operator-compat-${randomBytes(8).toString('hex')}`,
  OPENAI_API_KEY: `sk-operator-openai-${randomBytes(8).toString('hex')}`,
};
const operatorValues = Object.values(OPERATOR_KEYS);

const harness = new ProviderHarness();
let mcp: McpTestServer | undefined;
const MCP_HEADER = 'X-Api-Key';
const MCP_VALUE = `mcp-tenant-${randomBytes(12).toString('hex')}`;
test.before(async () => {
  await harness.start({ env: OPERATOR_KEYS, retry: { maxRetries: 0, initialDelayMs: 0 } });
  mcp = await startMcpTestServer({ header: MCP_HEADER, value: MCP_VALUE, tools: 'lookup-and-explode' });
});
test.after.always(async () => {
  await harness.stop();
  await mcp?.close();
});

function tenantApi(t: ExecutionContext, tenant = uniqueTenant()): Api {
  return new Api(t, harness.server.url, tenant);
}

async function listener(t: ExecutionContext, reply: ConstructorParameters<typeof ScriptedProviderServer>[1] = hierarchyBrain()) {
  const server = new ScriptedProviderServer(openaiChatWire, reply);
  const url = await server.start();
  t.teardown(() => server.close());
  return { server, url, model: { provider: 'openai-compatible', model_id: 'llama', base_url: `${url}/v1` } };
}

/** Runs to the end as `api`'s tenant: the streamed events and the stored ones. */
async function runToEnd(api: Api, hierarchyId: string): Promise<{ run: any; events: any[]; stored: any }> {
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'task' });
  const stream = await collectUntilClose(`${harness.server.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET', headers: { 'x-tenant-id': api.tenant! } });
  const events = eventFrames(stream.frames).map((f) => JSON.parse(f.data));
  api.t.true(events.length > 0);
  const stored = await api.ok('runs/events', { id: run.id, limit: 1000 });
  return { run: await api.ok('runs/get', { id: run.id }), events, stored };
}

function assertAbsent(t: ExecutionContext, values: readonly string[], ...things: unknown[]): void {
  const text = JSON.stringify(things);
  t.true(text.length > 2);
  for (const value of values) t.false(text.includes(value), 'a secret value leaked');
}

const headerValues = (headers: readonly IncomingHttpHeaders[]) => JSON.stringify(headers);

test('api_key_env naming a server variable is refused at create and update, and fails at use when stored anyway; the listener never sees it', async (t) => {
  const api = tenantApi(t);
  const { server, model } = await listener(t);
  const refused = await api.fails('models/create', { name: uniqueName('m'), ...model, api_key_env: 'SOME_SECRET_VAR' }, 400, 'api_key_env', 'ENV_NOT_ALLOWED');
  t.is(refused.body.error, 'api_key_env: SOME_SECRET_VAR is not allowed by TENANT_ENV_ALLOWED');
  const plain = await api.ok('models/create', { name: uniqueName('m'), ...model });
  await api.fails('models/update', { id: plain.id, api_key_env: 'SOME_SECRET_VAR' }, 400, 'api_key_env', 'ENV_NOT_ALLOWED');

  // A row saved before the rule (or before the operator narrowed the list) is refused at use.
  const stored = await harness.db.store.forTenant(api.tenant!).models.create({ name: uniqueName('old'), ...model, provider: 'openai-compatible', api_key_env: 'SOME_SECRET_VAR' });
  const check = await api.ok('models/check', { id: stored.id });
  t.like(check, { ok: false, provider: 'openai-compatible' });
  t.regex(check.error, /api_key_env: SOME_SECRET_VAR is not allowed by TENANT_ENV_ALLOWED/);
  const { hierarchyId } = await hierarchyFor(api, stored.id);
  const start = await api.fails('runs/start', { hierarchy_id: hierarchyId, task: 'task' }, 400, 'teams[0].workers[0]', 'ENV_NOT_ALLOWED');
  t.is(server.requests.length, 0, 'nothing was sent');
  assertAbsent(t, operatorValues, refused.body, check, start.body, await api.ok('models/get', { id: stored.id }));
});

test("with a base_url and no key of its own, a row never gets the operator's provider key: openai-compatible sends none, openai is refused", async (t) => {
  const api = tenantApi(t);
  const { server, model, url } = await listener(t);
  const compatible = await api.ok('models/create', { name: uniqueName('m'), ...model });
  const check = await api.ok('models/check', { id: compatible.id });
  t.true(check.ok, JSON.stringify(check));
  t.is(server.requests.length, 1);
  t.is(server.requests[0]!.headers.authorization, undefined, 'no Authorization header at all');
  const openai = await api.ok('models/create', { name: uniqueName('m'), provider: 'openai', model_id: 'gpt', base_url: `${url}/v1` });
  const refused = await api.ok('models/check', { id: openai.id });
  t.like(refused, { ok: false, provider: 'openai' });
  t.regex(refused.error, /a model with base_url needs api_key_secret or an allowed api_key_env/);
  const { hierarchyId } = await hierarchyFor(api, openai.id);
  const start = await api.fails('runs/start', { hierarchy_id: hierarchyId, task: 'task' }, 400, 'teams[0].workers[0]', 'MODEL_KEY_MISSING');
  t.regex(start.body.error, /needs api_key_secret or an allowed api_key_env/);
  t.is(server.requests.length, 1, 'the refused model sent nothing');
  t.false(headerValues(server.requests.map((r) => r.headers)).includes('sk-operator'));
});

test("api_key_secret: the listener sees exactly that tenant's secret, newly read for every use; it shows in no answer, event or stored run", async (t) => {
  const a = tenantApi(t);
  const b = tenantApi(t);
  const valueA = `sk-tenant-a-${randomBytes(12).toString('hex')}`;
  const valueB = `sk-tenant-b-${randomBytes(12).toString('hex')}`;
  const setA = await a.ok('secrets/set', { name: 'llm.key', value: valueA });
  const { server, model } = await listener(t);
  const modelA = await a.ok('models/create', { name: uniqueName('m'), ...model, api_key_secret: 'llm.key' });
  const { hierarchyId } = await hierarchyFor(a, modelA.id);
  const runA = await runToEnd(a, hierarchyId);
  t.is(runA.events.at(-1).event.action, 'completed', JSON.stringify(runA.events.at(-1)));
  t.true(server.requests.length >= 3);
  for (const req of server.requests) t.is(req.headers.authorization, `Bearer ${valueA}`);

  // B cannot see or name A's secret; its own of the same name is the one its rows use.
  t.is((await b.ok('secrets/list', {})).totalElements, 0);
  await b.fails('models/create', { name: uniqueName('m'), ...model, api_key_secret: 'llm.key' }, 400, 'api_key_secret', 'SECRET_NOT_FOUND');
  await b.ok('secrets/set', { name: 'llm.key', value: valueB });
  const modelB = await b.ok('models/create', { name: uniqueName('m'), ...model, api_key_secret: 'llm.key' });
  const before = server.requests.length;
  t.true((await b.ok('models/check', { id: modelB.id })).ok);
  t.is(server.requests.at(-1)!.headers.authorization, `Bearer ${valueB}`);
  // B cannot use A's model either.
  await b.fails('models/check', { id: modelA.id }, 404);
  t.is(server.requests.length, before + 1);

  // Rotated: the next use sends the new value.
  const rotated = `${valueA}-rotated`;
  await a.ok('secrets/set', { name: 'llm.key', value: rotated });
  t.true((await a.ok('models/check', { id: modelA.id })).ok);
  t.is(server.requests.at(-1)!.headers.authorization, `Bearer ${rotated}`);

  // Deleted: the row stays, its use names the secret.
  await a.ok('secrets/delete', { name: 'llm.key' });
  const gone = await a.ok('models/check', { id: modelA.id });
  t.like(gone, { ok: false });
  t.regex(gone.error, /the secret "llm\.key" \(api_key_secret\) does not exist/);
  const start = await a.fails('runs/start', { hierarchy_id: hierarchyId, task: 'task' }, 400, 'teams[0].workers[0]', 'MODEL_KEY_MISSING');
  t.regex(start.body.error, /"llm\.key"/);

  assertAbsent(t, [valueA, valueB, rotated, ...operatorValues], setA, modelA, modelB, runA, gone, start.body,
    await a.ok('models/list', {}), await a.ok('secrets/list', {}), await a.ok('runs/inspect', { id: runA.run.id }));
});

test('a provider echoing the key in its error: models/check and the failed run show [redacted], never the secret', async (t) => {
  const api = tenantApi(t);
  const value = `sk-echoed-${randomBytes(12).toString('hex')}`;
  await api.ok('secrets/set', { name: 'echoed', value });
  const { server, model } = await listener(t, () => ({ error: 401, message: `Incorrect API key provided: ${value}` }));
  const created = await api.ok('models/create', { name: uniqueName('m'), ...model, api_key_secret: 'echoed' });
  const check = await api.ok('models/check', { id: created.id });
  t.like(check, { ok: false });
  t.regex(check.error, /Incorrect API key provided: \[redacted\]/);
  const { hierarchyId } = await hierarchyFor(api, created.id);
  const run = await runToEnd(api, hierarchyId);
  t.is(run.events.at(-1).event.action, 'failed');
  t.regex(run.events.at(-1).data.error, /\[redacted\]/);
  t.true(server.requests.length >= 2);
  t.true(JSON.stringify(server.requests[0]!.headers).includes(value), 'the key did reach the provider');
  assertAbsent(t, [value], check, run);
});

test('MCP headers_secret: the server gets the tenant secret; headers_env naming a server variable is refused, and stored anyway it fails before connecting', async (t) => {
  const api = tenantApi(t);
  await api.ok('secrets/set', { name: 'mcp.key', value: MCP_VALUE });
  const name = uniqueName('mcp').replaceAll('_', '-');
  const server = await api.ok('mcp-servers/create', { name, url: mcp!.url, headers_secret: { [MCP_HEADER]: 'mcp.key' } });
  const authorisedBefore = mcp!.authorised;
  const run = await runToEnd(api, await toolHierarchy(api, [`mcp:${name}`]));
  t.is(run.events.at(-1).event.action, 'completed', JSON.stringify(run.events.at(-1)));
  t.true(mcp!.authorised > authorisedBefore);
  t.true(run.events.some((e) => e.event.action === 'tool_result' && e.data.tool_source === `mcp:${name}`));

  const refused = await api.fails('mcp-servers/create', { name: uniqueName('x').replaceAll('_', '-'), url: mcp!.url, headers_env: { [MCP_HEADER]: 'SOME_SECRET_VAR' } },
    400, `headers_env.${MCP_HEADER}`, 'ENV_NOT_ALLOWED');
  // Stored directly (an older row): the run is refused before it connects anywhere.
  const sink = await headerSink(t);
  const old = await harness.db.store.forTenant(api.tenant!).mcpServers.create({
    name: uniqueName('old').replaceAll('_', '-'), url: sink.url, headersEnv: { [MCP_HEADER]: 'SOME_SECRET_VAR' }, headersSecret: {}, description: null, isActive: true,
  });
  const hierarchyId = await toolHierarchy(api, [`mcp:${old.name}`]);
  const start = await api.fails('runs/start', { hierarchy_id: hierarchyId, task: 'task' }, 400, 'teams[0].workers[0].tools[0]', 'ENV_NOT_ALLOWED');
  t.regex(start.body.error, /headers_env\.X-Api-Key: SOME_SECRET_VAR is not allowed by TENANT_ENV_ALLOWED/);
  t.is(sink.seen.length, 0);
  assertAbsent(t, [MCP_VALUE, ...operatorValues], server, run, refused.body, start.body, await api.ok('mcp-servers/list', {}));
});

test("an MCP server echoing its credential in an error: the run's error shows the HTTP status, never the secret or the server's page", async (t) => {
  const api = tenantApi(t);
  const value = `mcp-echoed-${randomBytes(12).toString('hex')}`;
  await api.ok('secrets/set', { name: 'echo', value });
  const sink = await headerSink(t);
  const name = uniqueName('echo').replaceAll('_', '-');
  await api.ok('mcp-servers/create', { name, url: sink.url, headers_secret: { [MCP_HEADER]: 'echo' } });
  const run = await runToEnd(api, await toolHierarchy(api, [`mcp:${name}`]));
  t.is(run.events.at(-1).event.action, 'failed');
  // The outbound policy shows what an MCP server answered as its status, never its body.
  t.regex(run.events.at(-1).data.error, /is unreachable: the server answered HTTP \d{3}$/);
  t.true(sink.seen.some((h) => h[MCP_HEADER.toLowerCase()] === value), 'the secret did reach the server');
  assertAbsent(t, [value], run);
});

async function hierarchyFor(api: Api, modelId: string): Promise<{ hierarchyId: string }> {
  const llm = { model_id: modelId };
  const created = await api.ok('hierarchies/create', {
    name: uniqueName('h'),
    global_supervisor_agent: { system_prompt: 'You are the Global Supervisor.', llm_config: llm },
    teams: [{ name: 'Analysts', team_supervisor_agent: { system_prompt: 'You are the Analysts supervisor.', llm_config: llm },
      workers: [{ name: 'Ada', role: 'analyst', system_prompt: 'You are Ada.', llm_config: llm }] }],
  });
  return { hierarchyId: created.id };
}

async function toolHierarchy(api: Api, tools: string[]): Promise<string> {
  const created = await api.ok('hierarchies/create', {
    name: uniqueName('mcp-h'),
    global_supervisor_agent: { system_prompt: 'You are the Global Supervisor, a coordinator.' },
    teams: [{ name: 'Research', team_supervisor_agent: { system_prompt: 'You lead research.' },
      workers: [{ name: 'Ada', role: 'researcher', system_prompt: 'You are Ada, a researcher.', tools }] }],
  });
  return created.id;
}

/** A listener that records every request's headers and answers 400 echoing them (a hostile endpoint). */
async function headerSink(t: ExecutionContext): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const http = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request, you sent ${JSON.stringify(req.headers)}`);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, seen };
}
