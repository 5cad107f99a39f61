import type { Context } from 'koa';
import type { EventLog, Subscription } from '../events/event-log.ts';
import { isTerminal, type StoredEvent } from '../events/run-event.ts';
import { HISTORY_PAGE } from '../events/subscribe-with-history.ts';

export interface SseOptions {
  heartbeatMs: number;
  /** Frames a subscriber may fall behind by before it is disconnected (it resumes by Last-Event-ID). */
  maxBufferedFrames: number;
  /** How long history delivery waits for a client that reads nothing before giving it up (default 60 s). */
  stallTimeoutMs?: number;
}

function frameOf(e: StoredEvent): string {
  return `id: ${e.id}\nevent: ${e.category}.${e.action}\ndata: ${e.json}\n\n`;
}

/**
 * Bridges a run's event log to one SSE response: history after `afterSequence`, then live
 * events, `event: close` after the terminal event. When `ended` the run is over: history is
 * sent and the stream closes even if the run never wrote a terminal event (its process died).
 *
 * A slow client never slows the run or other clients. History goes out page by page as fast as
 * the client reads (a client that reads nothing for `stallTimeoutMs` is disconnected). Live
 * frames queue per connection while the socket is full; past `maxBufferedFrames` the
 * connection is closed and the client resumes with Last-Event-ID from the stored log, losing
 * nothing.
 */
export function streamToSse(
  ctx: Context, log: EventLog, runId: number, afterSequence: number, ended: boolean, options: SseOptions,
  /** Settles when the run has ended (its terminal event is stored and delivered by then). */
  runDone?: Promise<unknown>,
): void {
  const { res } = ctx;
  ctx.respond = false;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(`retry: 2000\n\n`);

  let finished = false;
  let blocked = false;
  let queue: string[] = [];
  let queuedFrames = 0;
  let subscription: Subscription | undefined;
  const releaseOnFinish: Array<() => void> = [];
  const heartbeat = setInterval(() => send(`: heartbeat ${new Date().toISOString()}\n\n`, 0), options.heartbeatMs);

  function finish(): void {
    if (finished) return;
    finished = true;
    clearInterval(heartbeat);
    subscription?.close();
    for (const release of releaseOnFinish) release();
    res.off('drain', onDrain);
    res.off('close', finish);
  }
  function closeStream(): void {
    if (finished) return;
    send('event: close\ndata: {}\n\n', 0);
    // Chunks still queued behind backpressure go out before the end (finish() drops the drain handler).
    const pending = queue;
    queue = [];
    finish();
    if (pending.length > 0) res.write(pending.join(''));
    res.end();
  }
  /** Writes a chunk of `frames` frames, or queues it while the socket is full. */
  function send(chunk: string, frames: number): void {
    if (finished) return;
    if (blocked) {
      queue.push(chunk);
      queuedFrames += frames;
      if (queuedFrames > options.maxBufferedFrames) {
        finish();
        queue = [];
        res.destroy();
      }
      return;
    }
    if (!res.write(chunk)) blocked = true;
  }
  function onDrain(): void {
    blocked = false;
    const pending = queue.join('');
    const frames = queuedFrames;
    queue = [];
    queuedFrames = 0;
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

  // Few writes per delivered batch (not one per event), but never more than a bounded number
  // of frames per write: a socket that stops draining must still hit the buffer limit.
  const framesPerWrite = Math.max(1, Math.min(256, options.maxBufferedFrames));
  /** True while history is being sent (until caught up with live events, or for an ended run). */
  let replaying = true;
  const onEvents = (events: StoredEvent[]): Promise<void> | undefined => {
    let chunk = '';
    let frames = 0;
    for (const e of events) {
      chunk += frameOf(e);
      frames++;
      if (isTerminal(e)) {
        send(chunk, frames);
        closeStream();
        return undefined;
      }
      if (frames === framesPerWrite) {
        send(chunk, frames);
        if (finished) return undefined;
        chunk = '';
        frames = 0;
      }
    }
    if (chunk) send(chunk, frames);
    // Only history is paced; live batches must not each wait (or add listeners) on a full socket.
    return replaying ? writable() : undefined;
  };
  const onError = (err: Error) => {
    send(`event: error\ndata: ${JSON.stringify({ error: err.message })}\n\n`, 0);
    finish();
    res.end();
  };

  if (ended) {
    // The run is over: page through its history, waiting for the client between pages.
    const replay = async () => {
      let after = afterSequence;
      for (;;) {
        const page = await log.read(runId, { from: after + 1, limit: HISTORY_PAGE });
        if (finished) return;
        await onEvents(page);
        if (finished || page.length < HISTORY_PAGE) break;
        after = page[page.length - 1]!.sequence;
      }
      if (!finished) closeStream();
    };
    replay().catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
    return;
  }
  // Backstop: a client that resumed past the terminal event (or a run whose terminal event
  // could not be stored) still gets its stream closed once the run is over and the history
  // has been delivered — never before, or it would miss events.
  let caughtUp = false;
  let runOver = false;
  const closeIfOver = () => {
    if (caughtUp && runOver && !finished) closeStream();
  };
  subscription = log.subscribe(runId, afterSequence, {
    onEvents,
    onError,
    onCaughtUp: () => {
      caughtUp = true;
      replaying = false;
      closeIfOver();
    },
  });
  // Held through a box the connection empties when it finishes, so a closed connection is
  // not kept in memory by the run's promise until the run ends.
  const box: { over?: () => void } = {
    over: () => {
      runOver = true;
      // Events published with the run's end are delivered first (they are sent synchronously).
      setImmediate(closeIfOver);
    },
  };
  releaseOnFinish.push(() => delete box.over);
  if (runDone) whenSettled(runDone, box);
}

/** Calls `box.over` when `promise` settles, if the box still holds it. */
function whenSettled(promise: Promise<unknown>, box: { over?: () => void }): void {
  const fire = () => box.over?.();
  promise.then(fire, fire);
}
