import type { Context } from 'koa';
import type { EventLog, Subscription } from '../events/event-log.ts';
import type { StoredEvent } from '../events/run-event.ts';
import type { PolledRunFeeds } from '../events/polled-run-feeds.ts';
import { followRun } from '../events/run-follow.ts';
import { UnavailableError } from '../errors/app-error.ts';
import { encodeBatch, piecesOf } from './sse-frames.ts';
import type { SseConnectionSlots } from './sse-connections.ts';

/** Default bound of the bytes queued for one slow client (events can carry 100k-character tasks). */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Seconds a client refused for want of a connection slot is told to wait (Retry-After). */
const RETRY_AFTER_S = 5;

export interface SseOptions {
  heartbeatMs: number;
  /** Frames a subscriber may fall behind by before it is disconnected (it resumes by Last-Event-ID). */
  maxBufferedFrames: number;
  /** Bytes of frames a subscriber may fall behind by before it is disconnected (default 8 MiB). */
  maxBufferedBytes?: number;
  /** How long history delivery waits for a client that reads nothing before giving it up (default 60 s). */
  stallTimeoutMs?: number;
  /** The process's SSE streams: when all slots are taken a new stream is refused with 503. */
  connections?: SseConnectionSlots;
  /** The shared pollers of runs executing in another process (`ended` 'poll'); absent: one poller per stream. */
  polledFeeds?: PolledRunFeeds;
  /** Counts the events written to subscribers (metrics): one integer add per batch. */
  delivered?: { delivered: number };
}

const RETRY_HINT = Buffer.from('retry: 2000\n\n');
const CLOSE_FRAME = Buffer.from('event: close\ndata: {}\n\n');

/**
 * Bridges a run's event log to one SSE response: history after `afterSequence`, then live
 * events, `event: close` after the terminal event. When `ended` the run is over: history is
 * sent and the stream closes even if the run never wrote a terminal event (its process died).
 * When `ended` is 'poll' the run executes in another process whose appends this log does not
 * carry live (the SQL log of a multi-process deployment): what the owner stores is read back
 * by the run's one shared poller (PolledRunFeeds) until the terminal event went out (a dead
 * owner's runs get theirs from the lease sweep, so the stream always ends).
 *
 * A batch of events is encoded once, however many clients follow the run, and goes to each
 * in one write. A slow client never slows the run or other clients. History goes out page by
 * page as fast as the client reads (a client that reads nothing for `stallTimeoutMs` is
 * disconnected). Live frames queue per connection while the socket is full; past
 * `maxBufferedFrames` or `maxBufferedBytes` the connection is closed and the client resumes
 * with Last-Event-ID from the stored log, losing nothing.
 *
 * Throws UnavailableError (503, with Retry-After) when `options.connections` has no free slot.
 */
export function streamToSse(
  ctx: Context, log: EventLog, runId: number, afterSequence: number, ended: boolean | 'poll', options: SseOptions,
  /** Settles when the run has ended (its terminal event is stored and delivered by then). */
  runDone?: Promise<unknown>,
  /** Whether the run still exists: a 'poll' stream whose run was deleted meanwhile ends instead of polling on. */
  runExists?: () => Promise<boolean>,
): void {
  const release = options.connections?.tryAcquire();
  if (options.connections && !release) {
    throw new UnavailableError(`too many event streams are open (${options.connections.max}); retry later`, 'TOO_MANY_STREAMS', RETRY_AFTER_S);
  }
  const maxFrames = options.maxBufferedFrames;
  const maxBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const { res } = ctx;
  ctx.respond = false;
  try {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(RETRY_HINT);
  } catch (err) {
    release?.();
    throw err;
  }

  let finished = false;
  let blocked = false;
  let queue: Buffer[] = [];
  let queuedFrames = 0;
  let queuedBytes = 0;
  let subscription: Subscription | undefined;
  const heartbeat = setInterval(() => send(Buffer.from(`: heartbeat ${new Date().toISOString()}\n\n`), 0), options.heartbeatMs);

  /** Every way a stream ends comes through here once: the connection slot is given back exactly once. */
  function finish(): void {
    if (finished) return;
    finished = true;
    clearInterval(heartbeat);
    subscription?.close();
    release?.();
    res.off('drain', onDrain);
    res.off('close', finish);
  }
  function takeQueue(): Buffer | undefined {
    const pending = queue.length === 0 ? undefined : queue.length === 1 ? queue[0] : Buffer.concat(queue, queuedBytes);
    queue = [];
    queuedFrames = 0;
    queuedBytes = 0;
    return pending;
  }
  function closeStream(): void {
    if (finished) return;
    send(CLOSE_FRAME, 0);
    // Chunks still queued behind backpressure go out before the end (finish() drops the drain handler).
    const pending = takeQueue();
    finish();
    if (pending) res.write(pending);
    res.end();
  }
  /** Writes `frames` frames in one write, or queues them while the socket is full. */
  function send(bytes: Buffer, frames: number): void {
    if (finished) return;
    if (blocked) {
      queue.push(bytes);
      queuedFrames += frames;
      queuedBytes += bytes.length;
      if (queuedFrames > maxFrames || queuedBytes > maxBytes) {
        finish();
        queue = [];
        res.destroy();
      }
      return;
    }
    if (!res.write(bytes)) blocked = true;
  }
  function onDrain(): void {
    blocked = false;
    const frames = queuedFrames;
    // Everything queued while the socket was full goes out in one write.
    const pending = takeQueue();
    if (pending) send(pending, frames);
  }
  res.on('drain', onDrain);
  // The response's 'close' (not the request's: a POST body was already read, and its request
  // closed then) is how a client that went away is noticed.
  res.on('close', finish);
  if (res.destroyed) return finish();

  /** Resolves once the socket can take more (or the stream is over): flow control for history. */
  const writable = (): Promise<void> | undefined => {
    if (!blocked || finished) return undefined;
    return new Promise<void>((resolve) => {
      // A client that reads nothing at all is given up, not waited for forever.
      const stalled = setTimeout(() => {
        finish();
        res.destroy();
      }, options.stallTimeoutMs ?? 60_000);
      const done = () => {
        clearTimeout(stalled);
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };

  /** True while history is being sent (until caught up with live events, or for an ended run). */
  let replaying = true;
  const delivered = options.delivered;
  const onEvents = (events: StoredEvent[]): Promise<void> | undefined => {
    const batch = encodeBatch(events);
    if (delivered) delivered.delivered += events.length;
    // One write per batch; a batch beyond a client's bounds is cut into pieces that each fit
    // them, so a socket that stops draining is still cut off at its bound.
    for (const piece of piecesOf(batch, 0, batch.untilTerminal, maxFrames, maxBytes)) {
      send(piece.bytes, piece.frames);
      if (finished) return undefined;
    }
    if (batch.terminal) {
      closeStream();
      return undefined;
    }
    // Only history is paced; live batches must not each wait (or add listeners) on a full socket.
    return replaying ? writable() : undefined;
  };
  const onError = (err: Error) => {
    send(Buffer.from(`event: error\ndata: ${JSON.stringify({ error: err.message })}\n\n`), 0);
    finish();
    res.end();
  };
  subscription = followRun(log, runId, afterSequence, ended, {
    onEvents,
    onError,
    maxCatchUpBytes: maxBytes,
    onCaughtUp: () => {
      replaying = false;
    },
    onOver: closeStream,
  }, {
    ...(options.polledFeeds && { polledFeeds: options.polledFeeds }),
    ...(runDone && { runDone }),
    ...(runExists && { runExists }),
  });
}

