import { once } from 'node:events';
import type { Context } from 'koa';
import { UnavailableError } from '../errors/app-error.ts';
import type { SseConnectionSlots } from './sse-connections.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Writes `first` and the rest of `stream` as SSE frames (`encode` makes each one's text), for a
 * protocol adapter: pacing the stream by the socket (a frame waits while the socket is full, so
 * a slow client slows only its own stream), with comment heartbeats for proxies, in one of the
 * process's SSE connection slots. The client going away aborts `abort` (the generator stops
 * following the run at once, even while the run is quiet; the run goes on). A failure
 * mid-stream is sent as a last frame made by `errorFrame`.
 */
export async function writeSseFrames<T>(
  ctx: Context, first: IteratorResult<T, void>, stream: AsyncGenerator<T, void, undefined>,
  encode: (item: T) => string, errorFrame: (err: unknown) => string, abort: AbortController, connections?: SseConnectionSlots,
): Promise<void> {
  const release = connections?.tryAcquire();
  if (connections && !release) {
    abort.abort();
    await stream.return(undefined);
    throw new UnavailableError(`too many event streams are open (${connections.max}); retry later`, 'TOO_MANY_STREAMS', 5);
  }
  const { res } = ctx;
  ctx.respond = false;
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  let gone = false;
  const onClose = () => {
    gone = true;
    abort.abort();
  };
  res.on('close', onClose);
  const heartbeat = setInterval(() => {
    if (!gone) res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  const write = async (text: string) => {
    if (gone) return;
    if (!res.write(text)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  try {
    if (!first.done) await write(encode(first.value));
    for (let next = first.done ? first : await stream.next(); !next.done && !gone; next = await stream.next()) await write(encode(next.value));
  } catch (err) {
    await write(errorFrame(err));
  } finally {
    clearInterval(heartbeat);
    res.off('close', onClose);
    release?.();
    if (!gone) res.end();
    await stream.return(undefined);
  }
}
