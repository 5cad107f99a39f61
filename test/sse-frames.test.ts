import test from 'ava';
import { encodeBatch, frameText, piecesOf } from '../src/http/sse-frames.ts';
import type { StoredEvent } from '../src/events/run-event.ts';

/** Stored events with multi-byte text among them (their UTF-8 length is not their string length). */
function events(n: number, terminalLast = false): StoredEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const sequence = i + 1;
    const terminal = terminalLast && sequence === n;
    const event = { run_id: 3, timestamp: '2026-03-14T09:26:53.611Z', sequence, source: null, event: { category: terminal ? 'lifecycle' : 'llm', action: terminal ? 'completed' : 'stream' }, data: { content: i % 3 === 0 ? ` café ${i} 😀` : ` t${i}` } };
    return { id: String(sequence), sequence, category: event.event.category as StoredEvent['category'], action: event.event.action, json: JSON.stringify(event) };
  });
}

test('a batch is the frames back to back whether it is written as one string (short) or frame by frame (long)', (t) => {
  for (const n of [1, 5, 63, 64, 65, 255, 256, 500]) {
    const batch = events(n);
    const encoded = encodeBatch(batch);
    t.true(encoded.bytes.length > 0);
    t.is(encoded.bytes.toString('utf8'), batch.map(frameText).join(''), `${n} events`);
    t.is(encoded.bytes.length, Buffer.byteLength(batch.map(frameText).join('')), `${n} events`);
    t.is(encodeBatch(batch), encoded, 'encoded once per batch');
  }
});

test('pieces of a long batch split at frame ends, within their bounds, and cover every frame once', (t) => {
  const batch = events(300, true);
  const encoded = encodeBatch(batch);
  t.true(encoded.terminal);
  t.is(encoded.untilTerminal, 300);
  const pieces = piecesOf(encoded, 10, 300, 64, 4096);
  t.true(pieces.length > 1);
  t.is(pieces.reduce((sum, p) => sum + p.frames, 0), 290);
  t.is(pieces.map((p) => p.bytes.toString('utf8')).join(''), batch.slice(10).map(frameText).join(''));
  for (const p of pieces) t.true(p.frames <= 64 && p.bytes.length <= 4096);
});
