import test from 'ava';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ProviderHarness } from './helpers/provider-harness.ts';
import { uniqueName } from './helpers/backends.ts';
import type { Api } from './helpers/api-harness.ts';
import type { Resolver } from '../src/outbound/outbound-policy.ts';

// The outbound address policy end to end, without OUTBOUND_ALLOWED_HOSTS opening loopback: a
// local listener stands where an internal service would be and must never see a connection.
// Names that resolve to it come from a resolver standing in for DNS (so no test depends on the
// machine's resolver); `allowed.test` and `redirector.test` are the operator's allowances.

const HINT = 'only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it';

/** A TCP listener counting the connections it accepts (and dropping them). */
let listener: Server;
let connections = 0;
let port = 0;
/** Allowed by name; answers every request with a redirect to the listener. */
let redirector: HttpServer;
let redirectorPort = 0;
let redirected = 0;

const resolve: Resolver = async (host) => {
  if (['models.internal.test', 'mcp.internal.test', 'allowed.test', 'redirector.test'].includes(host)) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
};

const harness = new ProviderHarness();
test.before(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  port = (listener.address() as AddressInfo).port;
  redirector = createHttpServer((_req, res) => {
    redirected++;
    res.writeHead(307, { location: `http://127.0.0.1:${port}/v1/chat/completions` }).end();
  });
  redirector.listen(0, '127.0.0.1');
  await once(redirector, 'listening');
  redirectorPort = (redirector.address() as AddressInfo).port;
  await harness.start({ env: {}, retry: { maxRetries: 0 } }, 5000, { outbound: { allowedHosts: ['allowed.test', 'redirector.test'], resolve } });
});
test.after.always(async () => {
  await harness.stop();
  listener?.close();
  redirector?.closeAllConnections();
  redirector?.close();
});

const compatible = (baseUrl: string) => ({ name: uniqueName('m'), provider: 'openai-compatible', model_id: 'llama', base_url: baseUrl });

async function hierarchyWith(api: Api, llm: Record<string, unknown> | undefined, tools: string[] = []): Promise<string> {
  const agent = (prompt: string) => ({ system_prompt: prompt, ...(llm && { llm_config: llm }) });
  const created = await api.ok('hierarchies/create', {
    name: uniqueName('h'),
    global_supervisor_agent: agent('You are the Global Supervisor.'),
    teams: [{ name: 'T', team_supervisor_agent: agent('You lead.'), workers: [{ name: 'Ada', role: 'analyst', ...agent('You are Ada.'), tools }] }],
  });
  return created.id as string;
}

test.serial('models/create and models/update refuse a base_url naming a private address literally: 400 naming base_url and the setting', async (t) => {
  const api = harness.api(t);
  for (const url of [`http://127.0.0.1:${port}/v1`, `http://[::1]:${port}/v1`, 'http://169.254.169.254/latest', `http://localhost:${port}/v1`,
    'http://metadata.google.internal/v1', 'http://10.0.0.8/v1', 'http://192.168.1.20:8000/v1']) {
    const res = await api.fails('models/create', compatible(url), 400, 'base_url', 'OUTBOUND_REFUSED');
    t.true(String(res.body.error).endsWith(HINT), res.body.error);
  }
  await api.fails('models/create', compatible('file:///etc/passwd'), 400, 'base_url');
  const model = await api.ok('models/create', compatible('https://api.example.com/v1'));
  await api.fails('models/update', { id: model.id, base_url: `http://127.0.0.1:${port}/v1` }, 400, 'base_url', 'OUTBOUND_REFUSED');
  t.is((await api.ok('models/get', { id: model.id })).base_url, 'https://api.example.com/v1');
  t.is(connections, 0);
});

test.serial('a base_url whose name resolves to loopback is refused at connect: models/check says why, a run fails with it, no connection is made', async (t) => {
  const api = harness.api(t);
  const model = await api.ok('models/create', compatible(`http://models.internal.test:${port}/v1`));
  const check = await api.ok('models/check', { id: model.id });
  t.like(check, { ok: false, provider: 'openai-compatible' });
  t.is(check.error, `refused: models.internal.test resolves to 127.0.0.1 (127.0.0.1 is a loopback address); ${HINT}`);

  const hierarchyId = await hierarchyWith(api, { model_id: model.id });
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed', JSON.stringify(last));
  t.regex(last.data.error, /refused: models\.internal\.test resolves to 127\.0\.0\.1 \(127\.0\.0\.1 is a loopback address\)/);
  t.like(await api.ok('runs/get', { id: runId }), { status: 'failed' });
  t.is(connections, 0);
});

test.serial('a redirect to a private address is refused before connecting to it', async (t) => {
  const api = harness.api(t);
  const model = await api.ok('models/create', compatible(`http://redirector.test:${redirectorPort}/v1`));
  const check = await api.ok('models/check', { id: model.id });
  t.like(check, { ok: false });
  t.is(check.error, `refused: 127.0.0.1 (127.0.0.1 is a loopback address); ${HINT}`);
  t.is(redirected, 1, 'the allowed first hop was reached');
  t.is(connections, 0, 'the hop it redirected to was not');
});

test.serial('MCP servers: a url naming a private address literally is a 400 naming url; a name resolving to loopback fails the run, naming the host, with no connection', async (t) => {
  const api = harness.api(t);
  for (const url of [`http://127.0.0.1:${port}/mcp`, `http://[::1]:${port}/mcp`, 'http://169.254.169.254/mcp', `http://localhost:${port}/mcp`]) {
    await api.fails('mcp-servers/create', { name: uniqueName('s'), url }, 400, 'url', 'OUTBOUND_REFUSED');
  }
  const good = await api.ok('mcp-servers/create', { name: uniqueName('s'), url: 'https://mcp.example.com/mcp' });
  await api.fails('mcp-servers/update', { id: good.id, url: `http://127.0.0.1:${port}/mcp` }, 400, 'url', 'OUTBOUND_REFUSED');

  const name = uniqueName('s').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32);
  await api.ok('mcp-servers/create', { name, url: `http://mcp.internal.test:${port}/mcp` });
  const hierarchyId = await hierarchyWith(api, undefined, [`mcp:${name}`]);
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed', JSON.stringify(last));
  t.regex(last.data.error, /refused: mcp\.internal\.test resolves to 127\.0\.0\.1 \(127\.0\.0\.1 is a loopback address\)/);
  const stored = await api.ok('runs/get', { id: runId });
  t.is(stored.status, 'failed');
  t.is(connections, 0);
});

// Last: it is the one test that connects to the listener, proving it counts what reaches it.
test.serial('an allowed name does reach its address (the listener counts connections)', async (t) => {
  const api = harness.api(t);
  const model = await api.ok('models/create', compatible(`http://allowed.test:${port}/v1`));
  const check = await api.ok('models/check', { id: model.id });
  t.like(check, { ok: false });
  t.notRegex(check.error, /refused/);
  t.true(connections > 0);
});
