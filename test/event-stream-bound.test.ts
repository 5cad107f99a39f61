import test from 'ava';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { eventStreamMessageBound, withEventStreamBound } from '../src/outbound/event-stream-bound.ts';
import { guardedFetch, type GuardedFetch } from '../src/outbound/guarded-fetch.ts';

// The per-message bound of event streams from servers a tenant may choose (model base_url, MCP).

const encoder = new TextEncoder();
async function through(maxBytes: number, chunks: string[]): Promise<string> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(source.pipeThrough(eventStreamMessageBound(maxBytes))).text();
}

test('many messages pass however long the stream; LF and CRLF blank lines, split anywhere across chunks', async (t) => {
  const lf = Array.from({ length: 40 }, (_, i) => `data: {"delta":"token ${i}"}\n\n`).join('');
  const crlf = Array.from({ length: 40 }, (_, i) => `event: x\r\ndata: ${i}\r\n\r\n`).join('');
  for (const text of [lf, crlf]) {
    t.true(text.length > 500);
    // Every split point of the blank line sequences is covered by cutting into 1-, 3- and 7-byte chunks.
    for (const size of [1, 3, 7, text.length]) {
      const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
      t.is(await through(100, chunks), text, `chunks of ${size}`);
    }
  }
});

test('a message that never ends is cut past the bound, whole or trickled', async (t) => {
  await t.throwsAsync(through(100, ['data: ', 'A'.repeat(200)]), { message: /larger than 100 bytes/ });
  await t.throwsAsync(through(100, ['data: {"a":1}\n\n', ...Array.from({ length: 30 }, () => 'data: more\n')]), { message: /larger than 100 bytes/ });
});

test('through the guarded fetch: an event stream with an endless message fails; a large JSON answer is untouched', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"ok":true}\n\n');
      res.end(`data: ${'x'.repeat(5000)}`);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ big: 'y'.repeat(5000) }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetch: GuardedFetch = withEventStreamBound(guardedFetch({ allowedHosts: ['127.0.0.1'] }), 1000);
  await t.throwsAsync((await fetch(`${base}/sse`)).text(), { message: /larger than 1000 bytes/ });
  const json = await (await fetch(`${base}/json`)).json() as { big: string };
  t.is(json.big.length, 5000);
});
