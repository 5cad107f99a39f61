import type { Context } from 'koa';
import type { SseConnectionSlots } from '../sse-connections.ts';
import { writeSseFrames } from '../sse-stream-writer.ts';

const dataFrame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

/**
 * Writes `first` and the rest of `stream` as SSE `data:` frames, one JSON object each (A2A's
 * streams name no event and no id); see writeSseFrames for pacing, heartbeats and the client
 * going away. A failure mid-stream is sent as a last frame made by `errorFrame`.
 */
export async function writeSseStream<T>(
  ctx: Context, first: IteratorResult<T, void>, stream: AsyncGenerator<T, void, undefined>,
  toJson: (item: T) => unknown, errorFrame: (err: unknown) => unknown, abort: AbortController, connections?: SseConnectionSlots,
): Promise<void> {
  await writeSseFrames(ctx, first, stream, (item) => dataFrame(toJson(item)), (err) => dataFrame(errorFrame(err)), abort, connections);
}
