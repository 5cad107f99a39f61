import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeService, type Service } from '../src/compose.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { Api } from './helpers/api-harness.ts';
import { collectUntilClose, eventFrames } from './helpers/sse-client.ts';
import { deadUrl, startMcpTestServer, type McpTestServer } from './helpers/mcp-test-server.ts';

// End to end over HTTP on SQLite: workers whose tools come from real MCP servers (the official
// SDK's server on loopback), run by the service as main.ts composes it. The servers demand a
// credential header whose value the service reads from an environment variable. Serial: the
// tests count the sessions and calls the shared test servers saw.

const KEY_ENV = 'CADRE_TEST_MCP_KEY';
const SECRET = `secret-${randomBytes(12).toString('hex')}`;
const HEADER = 'X-Api-Key';

let db: TestDatabase | undefined;
let service: Service | undefined;
let server: TestServer | undefined;
let tools: McpTestServer | undefined;
let slow: McpTestServer | undefined;

test.before(async () => {
  process.env[KEY_ENV] = SECRET;
  tools = await startMcpTestServer({ header: HEADER, value: SECRET, tools: 'lookup-and-explode' });
  slow = await startMcpTestServer({ header: HEADER, value: SECRET, tools: 'wait' });
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  // The operator lets tenants name the test's variables (TENANT_ENV_ALLOWED) and opens loopback (OUTBOUND_ALLOWED_HOSTS).
  service = composeService(db.store, { database: db.config, tenantEnvAllowed: ['CADRE_TEST_MCP_*'], outbound: { allowedHosts: ['127.0.0.1'] } });
  server = await serve(service.app);
});

test.after.always(async () => {
  await service?.stop(5000);
  await server?.close();
  await tools?.close();
  await slow?.close();
  await db?.drop();
});

async function register(api: Api, url: string, headersEnv: Record<string, string> = { [HEADER]: KEY_ENV }): Promise<string> {
  const name = uniqueName('mcp').replaceAll('_', '-');
  await api.ok('mcp-servers/create', { name, url, headers_env: headersEnv });
  return name;
}

async function hierarchyWith(api: Api, workerTools: string[]): Promise<string> {
  const created = await api.ok('hierarchies/create', {
    name: uniqueName('mcp-h'),
    global_supervisor_agent: { system_prompt: 'You are the Global Supervisor, a coordinator.' },
    teams: [{
      name: 'Research',
      team_supervisor_agent: { system_prompt: 'You lead research.' },
      workers: [{ name: 'Ada', role: 'researcher', system_prompt: 'You are Ada, a researcher.', tools: workerTools }],
    }],
  });
  return created.id as string;
}

async function runToEnd(api: Api, hierarchyId: string, task: string): Promise<{ run: any; events: any[]; texts: string[] }> {
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task });
  const stream = await collectUntilClose(`${server!.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
  const frames = eventFrames(stream.frames);
  return { run, events: frames.map((f) => JSON.parse(f.data)), texts: frames.map((f) => f.data) };
}

test.serial('a worker naming mcp:<server> calls its tools: results and tool errors reach the model, the run completes, the session is closed', async (t) => {
  const api = new Api(t, server!.url);
  const name = await register(api, tools!.url);
  const hierarchyId = await hierarchyWith(api, ['calculator', `mcp:${name}`]);
  const sessionsBefore = tools!.openedSessions.length;
  const { run, events, texts } = await runToEnd(api, hierarchyId, 'Find the capital of France and compute 6 * 7');
  t.is(events.at(-1).event.action, 'completed', JSON.stringify(events.at(-1)));

  const lookup = `mcp__${name}__lookup`;
  const explode = `mcp__${name}__explode`;
  const workerTools = events.filter((e) => e.source?.agent_type === 'worker' && ['tool_call', 'tool_result'].includes(e.event.action));
  t.deepEqual(workerTools.map((e) => [e.event.action, e.data.tool_name]), [
    ['tool_call', 'calculator'], ['tool_call', lookup], ['tool_call', explode],
    ['tool_result', 'calculator'], ['tool_result', lookup], ['tool_result', explode],
  ]);
  // The simulated model fills the required string with the first words of the task it was given.
  const query = workerTools[1].data.input.query;
  t.true(typeof query === 'string' && query.length > 0, String(query));
  t.like(workerTools[1].data, { tool_source: `mcp:${name}` });
  t.like(workerTools[3].data, { tool_source: 'builtin', is_error: false, result: '42' });
  t.like(workerTools[4].data, { tool_source: `mcp:${name}`, is_error: false, result: `found: ${query}\nsource: test index` });
  t.deepEqual(tools!.calls.find((c) => c.tool === 'lookup' && c.args.query === query)?.args, { query });
  t.like(workerTools[5].data, { tool_source: `mcp:${name}`, is_error: true });
  t.regex(workerTools[5].data.result, /exploded on purpose/);
  t.deepEqual(tools!.calls.slice(-2).map((c) => c.tool).sort(), ['explode', 'lookup']);

  // One session for the run, ended when the run ended.
  t.is(tools!.openedSessions.length, sessionsBefore + 1);
  const session = tools!.openedSessions.at(-1)!;
  await tools!.until(() => tools!.closedSessions.includes(session));
  t.true(tools!.authorised > 0);

  const stored = await api.ok('runs/get', { id: run.id });
  t.is(stored.status, 'completed');
  const ada = Object.values(stored.statistics.agents as Record<string, any>).find((a) => a.agent_name === 'Ada');
  t.like(ada, { tool_calls: 3, tool_errors: 1 });
  // The credential went to the server only: no event or answer holds it.
  const answers = [
    JSON.stringify(stored), JSON.stringify(await api.ok('mcp-servers/list', {})), JSON.stringify(await api.ok('runs/inspect', { id: run.id })),
    JSON.stringify(await api.ok('runs/events', { id: run.id, start_id: '-', end_id: '+', limit: 1000 })),
  ];
  t.true(texts.length > 0);
  for (const text of [...texts, ...answers]) t.false(text.includes(SECRET));
});

test.serial('mcp:<server>/<tool> offers that tool only; a tool the server does not list fails the run, naming worker and tool', async (t) => {
  const api = new Api(t, server!.url);
  const name = await register(api, tools!.url);
  const one = await runToEnd(api, await hierarchyWith(api, [`mcp:${name}/lookup`]), 'Look up cadre');
  t.is(one.events.at(-1).event.action, 'completed');
  const calls = one.events.filter((e) => e.source?.agent_type === 'worker' && e.event.action === 'tool_call');
  t.deepEqual(calls.map((e) => e.data.tool_name), [`mcp__${name}__lookup`]);

  const missing = await runToEnd(api, await hierarchyWith(api, [`mcp:${name}/nope`]), 'Look up cadre');
  t.is(missing.events.at(-1).event.action, 'failed');
  t.is(missing.events.at(-1).data.error, `teams[0].workers[0].tools[0]: MCP server "${name}" has no tool "nope" (it lists: lookup, explode)`);
  const stored = await api.ok('runs/get', { id: missing.run.id });
  t.like(stored, { status: 'failed', error: missing.events.at(-1).data.error });
  const session = tools!.openedSessions.at(-1)!;
  await tools!.until(() => tools!.closedSessions.includes(session));
  t.pass();
});

test.serial('a server that is down, or a credential variable that is not set, fails the run with a clear error', async (t) => {
  const api = new Api(t, server!.url);
  const downUrl = await deadUrl();
  const down = await register(api, downUrl);
  const failed = await runToEnd(api, await hierarchyWith(api, [`mcp:${down}`]), 'Look up cadre');
  t.is(failed.events.at(-1).event.action, 'failed');
  t.true(failed.events.at(-1).data.error.startsWith(`MCP server "${down}" (${downUrl}) is unreachable:`), failed.events.at(-1).data.error);
  t.false(failed.events.some((e) => e.source?.agent_type === 'worker'), 'no agent worked');

  const refusedBefore = tools!.refused;
  const unset = await register(api, tools!.url, { [HEADER]: 'CADRE_TEST_MCP_UNSET_VARIABLE' });
  const noKey = await runToEnd(api, await hierarchyWith(api, [`mcp:${unset}`]), 'Look up cadre');
  t.is(noKey.events.at(-1).event.action, 'failed');
  t.is(noKey.events.at(-1).data.error, `MCP server "${unset}": environment variable CADRE_TEST_MCP_UNSET_VARIABLE (for header ${HEADER}) is not set`);
  t.is(tools!.refused, refusedBefore, 'nothing was sent without the credential');

  // A server the tenant made inactive refuses the run at once, naming the worker and the tool.
  const inactive = await api.ok('mcp-servers/create', { name: uniqueName('off'), url: tools!.url, is_active: false });
  const hierarchyId = await hierarchyWith(api, ['calculator', `mcp:${inactive.name}`]);
  const refused = await api.fails('runs/start', { hierarchy_id: hierarchyId, task: 'x' }, 400, 'teams[0].workers[0].tools[1]');
  t.regex(refused.body.error, /is not active/);
});

test.serial('cancelling a run while an MCP tool call is in flight ends it cancelled and closes the MCP session', async (t) => {
  const api = new Api(t, server!.url);
  const name = await register(api, slow!.url);
  const hierarchyId = await hierarchyWith(api, [`mcp:${name}/wait`]);
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'Wait for cadre' });
  await slow!.until(() => slow!.calls.length > 0);
  const session = slow!.openedSessions.at(-1)!;
  const live = await api.ok('runs/inspect', { id: run.id });
  const kinds: string[] = [];
  const walk = (node: any) => { kinds.push(node.kind); node.children.forEach(walk); };
  walk(live.tree);
  t.true(kinds.includes('mcp_tools'), JSON.stringify(kinds));
  t.true(kinds.includes('tool_call'), JSON.stringify(kinds));
  t.is((await api.ok('runs/cancel', { id: run.id })).status, 'cancelled');
  await slow!.until(() => slow!.closedSessions.includes(session));
  const stream = await collectUntilClose(`${server!.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
  const events = eventFrames(stream.frames).map((f) => JSON.parse(f.data));
  t.is(events.at(-1).event.action, 'cancelled');
  t.deepEqual(events.filter((e) => e.source?.agent_type === 'worker' && e.event.action.startsWith('tool_')).map((e) => [e.event.action, e.data.tool_source]), [
    ['tool_call', `mcp:${name}`],
  ]);
});

test.serial('one worker uses calculator, http_request and an MCP tool in one run', async (t) => {
  // A local data server the http_request tool is allowed to reach (loopback is refused by default).
  const data = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('quarterly revenue: 1234');
  });
  await new Promise<void>((resolve) => data.listen(0, '127.0.0.1', resolve));
  const dataPort = (data.address() as AddressInfo).port;
  const withHttp = composeService(db!.store, {
    tenantEnvAllowed: ['CADRE_TEST_MCP_*'],
    database: db!.config,
    outbound: { allowedHosts: ['127.0.0.1'] },
  });
  const app = await serve(withHttp.app);
  t.teardown(async () => {
    await withHttp.stop(5000);
    await app.close();
    await new Promise<void>((resolve) => data.close(() => resolve()));
  });
  const api = new Api(t, app.url);
  const name = await register(api, tools!.url);
  const hierarchyId = await hierarchyWith(api, ['calculator', 'http_request', `mcp:${name}/lookup`]);
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: `Read http://127.0.0.1:${dataPort}/q3 and compute 6 * 7` });
  const stream = await collectUntilClose(`${app.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
  const events = eventFrames(stream.frames).map((f) => JSON.parse(f.data));
  t.is(events.at(-1).event.action, 'completed', JSON.stringify(events.at(-1)));
  const results = events.filter((e) => e.source?.agent_type === 'worker' && e.event.action === 'tool_result');
  t.deepEqual(results.map((e) => e.data.tool_name).sort(), ['calculator', 'http_request', `mcp__${name}__lookup`].sort());
  t.true(results.every((e) => e.data.is_error === false), JSON.stringify(results.map((e) => e.data)));
  t.like(results.find((e) => e.data.tool_name === 'calculator')!.data, { tool_source: 'builtin', result: '42' });
  t.regex(results.find((e) => e.data.tool_name === 'http_request')!.data.result, /quarterly revenue: 1234/);
  t.like(results.find((e) => e.data.tool_name === `mcp__${name}__lookup`)!.data, { tool_source: `mcp:${name}` });
});

test.serial('the run time limit covers waiting for MCP connections: a server that never answers fails the run at the limit', async (t) => {
  // Accepts connections and requests, answers none of them.
  const pending: Array<import('node:http').ServerResponse> = [];
  const silent = createServer((_req, res) => {
    pending.push(res);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const limited = composeService(db!.store, {
    database: db!.config, runTimeoutMs: 1000, tenantEnvAllowed: ['CADRE_TEST_MCP_*'], outbound: { allowedHosts: ['127.0.0.1'] },
  });
  const app = await serve(limited.app);
  t.teardown(async () => {
    await limited.stop(5000);
    await app.close();
    for (const res of pending) res.destroy();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const api = new Api(t, app.url);
  const name = await register(api, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`);
  const hierarchyId = await hierarchyWith(api, [`mcp:${name}`]);
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'Look something up' });
  const stream = await collectUntilClose(`${app.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
  const last = JSON.parse(eventFrames(stream.frames).at(-1)!.data);
  // The time limit's error, not the MCP connect timeout's (10 s by default, "unreachable").
  t.like(last, { event: { category: 'lifecycle', action: 'failed' }, data: { error: 'run exceeded its time limit of 1000 ms' } });
  t.true(pending.length > 0, 'the run did try to connect');
  t.is((await api.ok('runs/get', { id: run.id })).status, 'failed');
});
