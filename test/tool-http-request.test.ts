import test from 'ava';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRequestTool } from '../src/tools/http-request-tool.ts';
import { refusalOf } from '../src/outbound/address-policy.ts';
import { DEFAULT_TOOL_SETTINGS, type HttpToolSettings } from '../src/tools/tool-settings.ts';
import { ToolError } from '../src/errors/app-error.ts';

interface Local {
  server: Server;
  port: number;
  /** Connections the server accepted: a refusal must leave it at 0. */
  connections: number;
  /** Requests to /slow, resolved with the request once one arrives. */
  slow: PromiseWithResolvers<IncomingMessage>;
}

/** A local HTTP server on 127.0.0.1 (ephemeral port) with a few routes for the tool to call. */
async function localServer(routes: Record<string, (req: IncomingMessage, res: ServerResponse, local: Local) => void> = {}): Promise<Local> {
  const local = { connections: 0, slow: Promise.withResolvers<IncomingMessage>() } as Local;
  local.server = createServer(async (req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const route = routes[path];
    if (route) return route(req, res, local);
    if (path === '/echo') {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    }
    if (path === '/big') {
      res.setHeader('content-type', 'text/plain');
      for (let i = 0; i < 50; i++) res.write('x'.repeat(1000));
      return res.end();
    }
    if (path === '/slow') return local.slow.resolve(req); // never answers
    res.statusCode = 404;
    res.end('not here');
  });
  local.server.on('connection', () => local.connections++);
  local.server.listen(0, '127.0.0.1');
  await once(local.server, 'listening');
  local.port = (local.server.address() as AddressInfo).port;
  return local;
}

function close(local: Local): Promise<void> {
  local.server.closeAllConnections();
  return new Promise((resolve) => local.server.close(() => resolve()));
}

const settings = (http: Partial<HttpToolSettings>): HttpToolSettings => ({ ...DEFAULT_TOOL_SETTINGS.http, ...http });
/** The tool with these limits, under an outbound policy allowing these hosts (OUTBOUND_ALLOWED_HOSTS). */
const toolWith = ({ allowedHosts, ...http }: Partial<HttpToolSettings> & { allowedHosts?: string[] }) =>
  httpRequestTool(settings(http), { allowedHosts: allowedHosts ?? [] });
const signal = () => new AbortController().signal;

test('GET and POST against an allowed local server: status, content type, headers and body', async (t) => {
  const local = await localServer();
  t.teardown(() => close(local));
  const tool = toolWith({ allowedHosts: [`127.0.0.1:${local.port}`] });
  const got = await tool.execute({ method: 'get', url: `http://127.0.0.1:${local.port}/echo?q=1`, headers: { 'x-test': 'yes' } }, signal());
  t.true(got.startsWith(`HTTP 200 OK\nurl: http://127.0.0.1:${local.port}/echo?q=1\ncontent-type: application/json\n\n`), got);
  const echoed = JSON.parse(got.slice(got.indexOf('\n\n') + 2)) as { method: string; headers: Record<string, string>; body: string };
  t.is(echoed.method, 'GET');
  t.is(echoed.headers['x-test'], 'yes');
  const posted = await tool.execute({
    method: 'POST', url: `http://127.0.0.1:${local.port}/echo`, headers: { 'content-type': 'application/json' }, body: '{"a":1}',
  }, signal());
  const echo = JSON.parse(posted.slice(posted.indexOf('\n\n') + 2)) as { method: string; headers: Record<string, string>; body: string };
  t.is(echo.method, 'POST');
  t.is(echo.body, '{"a":1}');
  t.is(echo.headers['content-length'], '7');
  t.is(echo.headers['content-type'], 'application/json');
  // A non-2xx answer is a result the model reads, not a tool error.
  t.true((await tool.execute({ method: 'GET', url: `http://127.0.0.1:${local.port}/missing` }, signal())).startsWith('HTTP 404 Not Found'));
});

test('"localhost" may be allowed by name (any port)', async (t) => {
  const local = await localServer();
  t.teardown(() => close(local));
  const tool = toolWith({ allowedHosts: ['localhost'] });
  t.true((await tool.execute({ method: 'GET', url: `http://LOCALHOST:${local.port}/echo` }, signal())).startsWith('HTTP 200 OK'));
});

test('the body is cut off past the size limit, and the result says so', async (t) => {
  const local = await localServer();
  t.teardown(() => close(local));
  const tool = toolWith({ allowedHosts: [`127.0.0.1:${local.port}`], maxBytes: 1500 });
  const got = await tool.execute({ method: 'GET', url: `http://127.0.0.1:${local.port}/big` }, signal());
  const body = got.slice(got.indexOf('\n\n') + 2);
  t.true(body.startsWith('x'.repeat(1500) + '\n[truncated: the body is longer than 1500 bytes'), body.slice(1490, 1600));
});

test('a server that does not answer in time is a tool error (timeout)', async (t) => {
  const local = await localServer();
  t.teardown(() => close(local));
  const tool = toolWith({ allowedHosts: [`127.0.0.1:${local.port}`], timeoutMs: 200 });
  const err = await t.throwsAsync(tool.execute({ method: 'GET', url: `http://127.0.0.1:${local.port}/slow` }, signal()), { instanceOf: ToolError });
  t.is(err!.message, `timed out after 200 ms (http://127.0.0.1:${local.port}/slow)`);
  t.is(err!.errorCode, 'TOOL_TIMEOUT');
});

test('aborting the call (the run was cancelled) tears the request down', async (t) => {
  const local = await localServer();
  t.teardown(() => close(local));
  const tool = toolWith({ allowedHosts: [`127.0.0.1:${local.port}`] });
  const controller = new AbortController();
  const call = tool.execute({ method: 'GET', url: `http://127.0.0.1:${local.port}/slow` }, controller.signal);
  const req = await local.slow.promise;
  const closed = once(req.socket, 'close');
  controller.abort(new Error('run cancelled'));
  await t.throwsAsync(call, { message: 'run cancelled' });
  await closed;
  t.pass();
});

test('without the allowance, loopback, private, link-local and metadata targets are refused before any connection', async (t) => {
  const local = await localServer();
  t.teardown(() => close(local));
  const tool = toolWith({ allowedHosts: [] });
  const targets = [
    `http://127.0.0.1:${local.port}/echo`,
    `http://localhost:${local.port}/echo`, // a host name resolving to loopback
    `http://[::1]:${local.port}/echo`,
    `http://[::ffff:127.0.0.1]:${local.port}/echo`,
    `http://127.1:${local.port}/echo`,
    `http://2130706433:${local.port}/echo`,
    `http://0.0.0.0:${local.port}/echo`,
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ];
  for (const url of targets) {
    const err = await t.throwsAsync(tool.execute({ method: 'GET', url }, signal()), { instanceOf: ToolError }, url);
    t.is(err!.errorCode, 'TOOL_ADDRESS_REFUSED', `${url}: ${err!.message}`);
    t.regex(err!.message, /^refused: /);
  }
  t.is(local.connections, 0);
  // A host name is judged by what it resolves to, and the refusal says so.
  await t.throwsAsync(tool.execute({ method: 'GET', url: `http://localhost:${local.port}/` }, signal()), {
    message: /^refused: localhost resolves to (127\.0\.0\.1|::1) \((127\.0\.0\.1|::1) is a loopback address\); only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it$/,
  });
  // An allowance for one port does not open another.
  const other = toolWith({ allowedHosts: ['127.0.0.1:1'] });
  await t.throwsAsync(other.execute({ method: 'GET', url: `http://127.0.0.1:${local.port}/echo` }, signal()), { message: /^refused: / });
  t.is(local.connections, 0);
});

test('redirects are followed hop by hop, and a hop to a disallowed address is refused before connecting to it', async (t) => {
  const target = await localServer();
  const origin = await localServer({
    '/to-echo': (_req, res) => { res.statusCode = 302; res.setHeader('location', '/echo'); res.end(); },
    '/see-other': (_req, res) => { res.statusCode = 303; res.setHeader('location', '/echo'); res.end(); },
    '/to-target': (_req, res) => { res.statusCode = 307; res.setHeader('location', `http://127.0.0.1:${target.port}/echo`); res.end(); },
    '/to-metadata': (_req, res) => { res.statusCode = 301; res.setHeader('location', 'http://169.254.169.254/latest/meta-data/'); res.end(); },
    '/loop': (_req, res) => { res.statusCode = 302; res.setHeader('location', '/loop'); res.end(); },
  });
  t.teardown(() => Promise.all([close(origin), close(target)]).then(() => undefined));
  const tool = toolWith({ allowedHosts: [`127.0.0.1:${origin.port}`], maxRedirects: 3 });
  const followed = await tool.execute({ method: 'GET', url: `http://127.0.0.1:${origin.port}/to-echo` }, signal());
  t.true(followed.startsWith(`HTTP 200 OK\nurl: http://127.0.0.1:${origin.port}/echo`), followed);
  const seeOther = await tool.execute({ method: 'POST', url: `http://127.0.0.1:${origin.port}/see-other`, body: 'payload' }, signal());
  t.like(JSON.parse(seeOther.slice(seeOther.indexOf('\n\n') + 2)), { method: 'GET', body: '' });
  await t.throwsAsync(tool.execute({ method: 'GET', url: `http://127.0.0.1:${origin.port}/to-target` }, signal()), { message: /^refused: 127\.0\.0\.1 \(127\.0\.0\.1 is a loopback address\)/ });
  await t.throwsAsync(tool.execute({ method: 'GET', url: `http://127.0.0.1:${origin.port}/to-metadata` }, signal()), { message: /^refused: 169\.254\.169\.254/ });
  t.is(target.connections, 0);
  await t.throwsAsync(tool.execute({ method: 'GET', url: `http://127.0.0.1:${origin.port}/loop` }, signal()), { message: 'too many redirects (more than 3)' });
});

test('bad input is a tool error naming the field', async (t) => {
  const tool = toolWith({});
  await t.throwsAsync(tool.execute({ method: 'FETCH', url: 'https://example.com' }, signal()), { message: /^invalid input: method: / });
  await t.throwsAsync(tool.execute({ url: 'https://example.com' }, signal()), { message: /^invalid input: method: / });
  await t.throwsAsync(tool.execute({ method: 'GET', url: 'not a url' }, signal()), { message: 'invalid URL "not a url"' });
  await t.throwsAsync(tool.execute({ method: 'GET', url: 'file:///etc/passwd' }, signal()), { message: 'refused: only http and https URLs (got file:)' });
  await t.throwsAsync(tool.execute({ method: 'GET', url: 'http://user:pw@example.com/' }, signal()), { message: 'refused: URLs with credentials' });
  await t.throwsAsync(tool.execute({ method: 'GET', url: 'https://example.com', headers: { Host: 'x' } }, signal()), { message: 'invalid input: headers.Host: set by the tool, not by the caller' });
  await t.throwsAsync(tool.execute({ method: 'GET', url: 'https://example.com', extra: 1 }, signal()), { message: /^invalid input: / });
});

test('the address policy: public addresses pass, embedded IPv4 is judged as IPv4', (t) => {
  for (const ok of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) t.is(refusalOf(ok), null, ok);
  for (const bad of ['127.0.0.1', '::1', '::', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', '::ffff:7f00:1', 'fd00:ec2::254', '100.127.255.255', '255.255.255.255']) {
    t.not(refusalOf(bad), null, bad);
  }
});
