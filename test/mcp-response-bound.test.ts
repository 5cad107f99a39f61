import test from 'ava';
import { AnswerBound } from '../src/tools/mcp-response-bound.ts';
import type { GuardedFetch } from '../src/outbound/guarded-fetch.ts';

// The bound on what an MCP server's answers may make Cadre hold, over real web streams.

const encoder = new TextEncoder();
/** A fetch answering every request with these chunks as an event stream. */
const answering = (chunks: string[]): GuardedFetch => (async () => new Response(new ReadableStream<Uint8Array>({
  start(controller) {
    for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
    controller.close();
  },
}), { headers: { 'content-type': 'text/event-stream' } })) as unknown as GuardedFetch;

test('a GET event stream is bounded per message: many small messages pass, one that never ends is cut', async (t) => {
  const bound = new AnswerBound(100);
  const small = Array.from({ length: 50 }, (_, i) => `data: notification ${i}\n\n`);
  const passed = await (await bound.wrap(answering(small))('http://mcp.example/mcp', { method: 'GET' })).text();
  t.is(passed, small.join(''));
  t.true(passed.length > 100, 'the stream as a whole may exceed the bound');
  const endless = ['data: ', ...Array.from({ length: 20 }, () => 'A'.repeat(20))];
  const response = await bound.wrap(answering(endless))('http://mcp.example/mcp', { method: 'GET' });
  await t.throwsAsync(response.text(), { message: /larger than 100 bytes/ });
  // CRLF blank lines end a message too.
  const crlf = Array.from({ length: 10 }, (_, i) => `data: ${'x'.repeat(40)} ${i}\r\n\r\n`);
  t.is(await (await bound.wrap(answering(crlf))('http://mcp.example/mcp', { method: 'GET' })).text(), crlf.join(''));
});

test('a POST answer is bounded as a whole and fails the calls in flight', async (t) => {
  const bound = new AnswerBound(100);
  const signal = bound.signal;
  const response = await bound.wrap(answering(['x'.repeat(60), 'y'.repeat(60)]))('http://mcp.example/mcp', { method: 'POST' });
  await t.throwsAsync(response.text(), { message: /larger than 100 bytes/ });
  t.true(signal.aborted);
  t.false(bound.signal.aborted, 'a later request gets a fresh signal');
});
