import { isTerminal, type StoredEvent } from '../events/run-event.ts';

/**
 * A batch of events as SSE bytes: every frame `id: …\nevent: category.action\ndata: <json>\n\n`
 * back to back, and where each frame ends, so a subscriber that must split the batch slices
 * the bytes instead of encoding again.
 */
export interface EncodedBatch {
  bytes: Buffer;
  /** ends[i]: the offset just past frame i in `bytes`. */
  ends: number[];
  /** Frames up to and including the first terminal event (all of them when there is none). */
  untilTerminal: number;
  /** Whether the batch holds a terminal event: nothing after it is sent, and the stream closes. */
  terminal: boolean;
}

/**
 * Encodings keyed by the batch array itself. The log publishes one array to every live
 * subscriber, so a batch is encoded once however many follow the run (none: never), and the
 * entry goes with the array. A history page is read for one subscriber and encoded for it.
 */
const encoded = new WeakMap<readonly StoredEvent[], EncodedBatch>();

export function frameText(e: StoredEvent): string {
  return `id: ${e.id}\nevent: ${e.category}.${e.action}\ndata: ${e.json}\n\n`;
}

export function encodeBatch(events: readonly StoredEvent[]): EncodedBatch {
  let batch = encoded.get(events);
  if (batch) return batch;
  const frames = events.map(frameText);
  const ends: number[] = new Array(frames.length);
  let total = 0;
  for (let i = 0; i < frames.length; i++) ends[i] = total += Buffer.byteLength(frames[i]!);
  const bytes = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const frame of frames) offset += bytes.write(frame, offset);
  const terminalAt = events.findIndex(isTerminal);
  batch = { bytes, ends, untilTerminal: terminalAt < 0 ? events.length : terminalAt + 1, terminal: terminalAt >= 0 };
  encoded.set(events, batch);
  return batch;
}

/**
 * Splits frames [from, to) of a batch into pieces of at most `maxFrames` frames and (unless a
 * single frame is larger) `maxBytes` bytes, as slices of the shared bytes (no copy). A piece
 * is the most one write may carry, so a socket that stops draining still meets its bounds.
 */
export function piecesOf(batch: EncodedBatch, from: number, to: number, maxFrames: number, maxBytes: number): Array<{ bytes: Buffer; frames: number }> {
  if (to <= from) return [];
  const startOffset = from === 0 ? 0 : batch.ends[from - 1]!;
  if (to - from <= maxFrames && batch.ends[to - 1]! - startOffset <= maxBytes) {
    return [{ bytes: from === 0 && to === batch.ends.length ? batch.bytes : batch.bytes.subarray(startOffset, batch.ends[to - 1]!), frames: to - from }];
  }
  const pieces: Array<{ bytes: Buffer; frames: number }> = [];
  let start = from;
  while (start < to) {
    const startOffset = start === 0 ? 0 : batch.ends[start - 1]!;
    let end = start + 1;
    while (end < to && end - start < maxFrames && batch.ends[end]! - startOffset <= maxBytes) end++;
    pieces.push({ bytes: batch.bytes.subarray(startOffset, batch.ends[end - 1]!), frames: end - start });
    start = end;
  }
  return pieces;
}
