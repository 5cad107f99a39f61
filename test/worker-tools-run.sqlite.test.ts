import test from 'ava';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeService, type Service } from '../src/compose.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { Api } from './helpers/api-harness.ts';
import { collectUntilClose, eventFrames } from './helpers/sse-client.ts';

// End to end over HTTP on SQLite: a hierarchy whose worker has tools, run by the service as
// main.ts composes it, with http_request allowed to reach one local server (and nothing else).

let db: TestDatabase | undefined;
let service: Service | undefined;
let server: TestServer | undefined;
let data: Server | undefined;
let dataPort = 0;
const slowRequests: Array<PromiseWithResolvers<IncomingMessage>> = [Promise.withResolvers()];

test.before(async () => {
  data = createServer((req, res) => {
    if (req.url === '/slow') return slowRequests[0]!.resolve(req); // never answers
    res.setHeader('content-type', 'application/json');
    res.end('{"price": 42}');
  });
  data.listen(0, '127.0.0.1');
  await once(data, 'listening');
  dataPort = (data.address() as AddressInfo).port;
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  service = composeService(db.store, {
    database: db.config,
    outbound: { allowedHosts: [`127.0.0.1:${dataPort}`] },
  });
  server = await serve(service.app);
});

test.after.always(async () => {
  await service?.stop(5000);
  await server?.close();
  data?.closeAllConnections();
  data?.close();
  await db?.drop();
});

async function toolHierarchy(api: Api, tools: string[]): Promise<string> {
  const created = await api.ok('hierarchies/create', {
    name: uniqueName('tools'),
    global_supervisor_agent: { system_prompt: 'You are the Global Supervisor, a coordinator.' },
    teams: [{
      name: 'Analysts',
      team_supervisor_agent: { system_prompt: 'You are the Analysts supervisor, a team lead.' },
      workers: [{ name: 'Ada', role: 'data analyst', system_prompt: 'You are Ada, a data analyst.', tools }],
    }],
  });
  return created.id as string;
}

test('a worker with calculator and http_request completes a run; its tool calls and results are in the stream and the statistics', async (t) => {
  const api = new Api(t, server!.url);
  const hierarchyId = await toolHierarchy(api, ['calculator', 'http_request']);
  const task = `Compute 6 * 7 and read http://127.0.0.1:${dataPort}/price`;
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task });
  const stream = await collectUntilClose(`${server!.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
  const events = eventFrames(stream.frames).map((f) => JSON.parse(f.data));
  t.is(events.at(-1).event.action, 'completed');
  const tools = events.filter((e) => e.event.category === 'llm' && ['tool_call', 'tool_result'].includes(e.event.action) && e.source.agent_type === 'worker');
  t.deepEqual(tools.map((e) => [e.event.action, e.data.tool_name]), [
    ['tool_call', 'calculator'], ['tool_call', 'http_request'], ['tool_result', 'calculator'], ['tool_result', 'http_request'],
  ]);
  for (const e of tools) t.like(e.source, { agent_type: 'worker', agent_name: 'Ada', team_name: 'Analysts' });
  t.like(tools[0].data, { tool_count: 1, input: { expression: '6 * 7' }, tool_source: 'builtin' });
  t.like(tools[1].data, { tool_count: 2, input: { method: 'GET', url: `http://127.0.0.1:${dataPort}/price` } });
  t.like(tools[2].data, { is_error: false, result: '42', tool_call_id: tools[0].data.tool_call_id });
  t.like(tools[3].data, { is_error: false, tool_call_id: tools[1].data.tool_call_id });
  t.regex(tools[3].data.result, /^HTTP 200 OK\n[\s\S]*\{"price": 42\}$/);

  const stored = await api.ok('runs/get', { id: run.id });
  t.is(stored.status, 'completed');
  t.deepEqual(stored.topology_snapshot.teams[0].workers[0].tools, ['calculator', 'http_request']);
  // Ada's answer, as her supervisor got it back, cites what the tools said.
  const answer = events.find((e) => e.event.action === 'tool_result' && e.data.tool_name === 'worker_Ada');
  t.regex(answer.data.result, /Tool results: calculator → 42; http_request → HTTP 200 OK/);
  const ada = Object.values(stored.statistics.agents as Record<string, any>).find((a) => a.agent_name === 'Ada');
  t.like(ada, { kind: 'worker', model_calls: 2, tool_calls: 2, tool_errors: 0 });
  t.true(stored.statistics.totals.tool_calls >= 2);
});

test('cancelling a run while a worker waits on http_request aborts the request; the run ends cancelled', async (t) => {
  const api = new Api(t, server!.url);
  const hierarchyId = await toolHierarchy(api, ['http_request']);
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: `Read http://127.0.0.1:${dataPort}/slow` });
  const request = await slowRequests[0]!.promise;
  const live = await api.ok('runs/inspect', { id: run.id });
  const nodes: Array<{ id: string; kind: string }> = [];
  const walk = (node: any) => { nodes.push({ id: node.id, kind: node.kind }); node.children.forEach(walk); };
  walk(live.tree);
  t.true(nodes.length > 0);
  t.true(nodes.some((n) => n.id === 'tool:1' && n.kind === 'tool_call'), `the tool call is in the live tree: ${JSON.stringify(nodes)}`);
  const closed = once(request.socket, 'close');
  t.is((await api.ok('runs/cancel', { id: run.id })).status, 'cancelled');
  await closed;
  const stream = await collectUntilClose(`${server!.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
  const events = eventFrames(stream.frames).map((f) => JSON.parse(f.data));
  t.is(events.at(-1).event.action, 'cancelled');
  t.deepEqual(events.filter((e) => e.source?.agent_type === 'worker' && e.event.action.startsWith('tool_')).map((e) => e.event.action), ['tool_call']);
});
