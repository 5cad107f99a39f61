import test from 'ava';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundRefusedError } from '../src/errors/app-error.ts';
import { guardedFetch } from '../src/outbound/guarded-fetch.ts';
import type { Resolver } from '../src/outbound/outbound-policy.ts';

// The guarded fetch against local servers: it streams, aborts reach the socket, a refusal
// makes no connection and says why, the next checked address is tried when one is unreachable.

interface Local {
  server: Server;
  port: number;
  connections: number;
}

async function local(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Local> {
  const server = createServer(handler);
  const state = { server, port: 0, connections: 0 };
  server.on('connection', () => state.connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  return state;
}

function closeAll(t: { teardown(fn: () => void): void }, l: Local): void {
  t.teardown(() => {
    l.server.closeAllConnections();
    l.server.close();
  });
}

test('a response streams as it is written, and aborting it closes the connection', async (t) => {
  const release = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<void>();
  const l = await local((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    req.socket.on('close', () => closed.resolve());
    void release.promise.then(() => res.end('data: last\n\n'));
  });
  closeAll(t, l);
  const controller = new AbortController();
  const fetch = guardedFetch({ allowedHosts: ['127.0.0.1'] });
  const response = await fetch(`http://127.0.0.1:${l.port}/`, { signal: controller.signal });
  const reader = response.body!.getReader();
  // The first frame arrives while the server still holds the rest back: nothing is buffered.
  t.is(new TextDecoder().decode((await reader.read()).value), 'data: first\n\n');
  controller.abort(new Error('run cancelled'));
  await t.throwsAsync(reader.read(), { message: 'run cancelled' });
  await closed.promise;
  release.resolve();
});

test('an IP literal is refused without any lookup or connection; a name is refused by what it resolves to', async (t) => {
  const l = await local((_req, res) => res.end('reached'));
  closeAll(t, l);
  let lookups = 0;
  const resolve: Resolver = async () => {
    lookups++;
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const fetch = guardedFetch({ allowedHosts: [], resolve });
  const literal = await t.throwsAsync(fetch(`http://127.0.0.1:${l.port}/`), { instanceOf: OutboundRefusedError });
  t.regex(literal!.message, /^refused: 127\.0\.0\.1 \(127\.0\.0\.1 is a loopback address\)/);
  t.is(lookups, 0);
  await t.throwsAsync(fetch(`http://[::ffff:7f00:1]:${l.port}/`), { message: /^refused: ::ffff:7f00:1 \(::ffff:7f00:1 carries 127\.0\.0\.1 is a loopback address\)/ });
  await t.throwsAsync(fetch(`http://internal.test:${l.port}/`), { message: /^refused: internal\.test resolves to 127\.0\.0\.1/ });
  t.is(lookups, 1);
  t.is(l.connections, 0);
});

test('a redirect fetch follows is checked like the first hop', async (t) => {
  const target = await local((_req, res) => res.end('reached'));
  closeAll(t, target);
  const origin = await local((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end());
  closeAll(t, origin);
  const fetch = guardedFetch({ allowedHosts: [`127.0.0.1:${origin.port}`] });
  await t.throwsAsync(fetch(`http://127.0.0.1:${origin.port}/`), { instanceOf: OutboundRefusedError, message: /^refused: 127\.0\.0\.1 / });
  t.is(origin.connections, 1);
  t.is(target.connections, 0);
});

test('the next checked address is tried when one cannot be reached', async (t) => {
  const l = await local((_req, res) => res.end('reached'));
  closeAll(t, l);
  // 127.0.0.2 is loopback too, but nothing listens there on this port: refused, then 127.0.0.1.
  const resolve: Resolver = async () => [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }];
  const fetch = guardedFetch({ allowedHosts: ['dual.test'], resolve });
  const response = await fetch(`http://dual.test:${l.port}/`);
  t.is(await response.text(), 'reached');
  t.is(l.connections, 1);
});
