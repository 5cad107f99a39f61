import test from 'ava';
import { InspectionFrames } from '../src/http/inspection-frames.ts';

// One inspection client's queue: bounded, dropping the oldest frames with a marker.
async function readAll(frames: InspectionFrames, runId = 1): Promise<string> {
  let text = '';
  for await (const piece of frames.frames(runId)) text += piece;
  return text;
}

test('within its bounds every frame goes out in order, then the close', async (t) => {
  const frames = new InspectionFrames({ maxFrames: 10, maxBytes: 1 << 20 });
  frames.events(['{"n":1}', '{"n":2}']);
  frames.events(['{"n":3}']);
  frames.end();
  const text = await readAll(frames);
  t.is(text, ': inspection of run 1\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\nevent: close\ndata: {}\n\n');
});

test('past its frame or byte bound the oldest frames are dropped, and a marker says how many, where they were', async (t) => {
  const frames = new InspectionFrames({ maxFrames: 3, maxBytes: 1 << 20 });
  frames.events(Array.from({ length: 8 }, (_, i) => `{"n":${i}}`));
  frames.end('gone');
  const text = await readAll(frames);
  t.is(text, ': inspection of run 1\n\nevent: dropped\ndata: {"dropped":5}\n\ndata: {"n":5}\n\ndata: {"n":6}\n\ndata: {"n":7}\n\nevent: close\ndata: {"reason":"gone"}\n\n');
  const bytes = new InspectionFrames({ maxFrames: 100, maxBytes: 40 });
  bytes.events(['{"a":"xxxxxxxxxx"}', '{"b":"xxxxxxxxxx"}', '{"c":"xxxxxxxxxx"}']);
  bytes.end();
  const kept = await readAll(bytes);
  t.regex(kept, /"dropped":2/);
  t.true(kept.includes('{"c":"xxxxxxxxxx"}') && !kept.includes('{"a"'));
});

test('a reader waiting for frames is woken by new ones and by the end', async (t) => {
  const frames = new InspectionFrames();
  const reading = readAll(frames, 7);
  await new Promise((resolve) => setImmediate(resolve));
  frames.events(['{"late":true}']);
  await new Promise((resolve) => setImmediate(resolve));
  frames.end();
  frames.events(['{"after":"end"}']);
  t.is(await reading, ': inspection of run 7\n\ndata: {"late":true}\n\nevent: close\ndata: {}\n\n');
});
