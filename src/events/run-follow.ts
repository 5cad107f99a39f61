import type { EventLog, Subscription } from './event-log.ts';
import type { StoredEvent } from './run-event.ts';
import { deliverHistory } from './subscribe-with-history.ts';
import { PolledRunFeeds } from './polled-run-feeds.ts';

export interface FollowHandlers {
  /**
   * Called in sequence order, each event once. While history is delivered, a returned promise
   * is awaited before the next page (the reader's flow control); live delivery never waits.
   */
  onEvents(events: StoredEvent[]): void | Promise<void> | undefined;
  /** The history is delivered: only live events follow. */
  onCaughtUp?(): void;
  /**
   * The run is over and what it stored up to its end was delivered: called at most once, also
   * for a run that never wrote a terminal event (its process died), so a follower always ends.
   */
  onOver(): void;
  /** The log failed or the subscription could not continue; nothing more follows. */
  onError(err: Error): void;
  /** Bytes of live events held while history is delivered (see SubscribeHandlers). */
  maxCatchUpBytes?: number;
}

export interface FollowOptions {
  /** The shared pollers of runs executing in another process (`ended` 'poll'); absent: one of its own. */
  polledFeeds?: PolledRunFeeds;
  /** Settles when the run has ended here (its terminal event is stored and delivered by then). */
  runDone?: Promise<unknown>;
  /** Whether the run still exists: a polled run deleted meanwhile ends instead of being polled for ever. */
  runExists?: () => Promise<boolean>;
}

/**
 * Follows one run's events from `afterSequence`, however the run is executing: `ended` true,
 * its stored history only; 'poll', read back from the log by the run's one shared poller (it
 * executes in another process and the log carries no live feed across processes); false,
 * history then the log's live feed. Every reader of a run's events — the SSE bridge and the
 * protocol adapters — follows it through here, so each ends the same way.
 */
export function followRun(
  log: EventLog, runId: number, afterSequence: number, ended: boolean | 'poll', handlers: FollowHandlers, options: FollowOptions = {},
): Subscription {
  let closed = false;
  let over = false;
  const finishOver = () => {
    if (closed || over) return;
    over = true;
    handlers.onOver();
  };
  if (ended === true) {
    deliverHistory(afterSequence, (after, limit) => log.read(runId, { from: after + 1, limit }), (events) => handlers.onEvents(events) ?? undefined, () => closed)
      .then(finishOver, (err: unknown) => {
        if (!closed) handlers.onError(err instanceof Error ? err : new Error(String(err)));
      });
    return { close: () => { closed = true; } };
  }
  // Backstop: a reader that resumed past the terminal event (or a run whose terminal event
  // could not be stored) is still told the run is over once it ended and the history was
  // delivered — never before, or it would miss events.
  let caughtUp = false;
  let runOver = false;
  const overIfDone = () => {
    if (caughtUp && runOver) finishOver();
  };
  const subscribeHandlers = {
    onEvents: handlers.onEvents,
    onError: handlers.onError,
    ...(handlers.maxCatchUpBytes !== undefined && { maxCatchUpBytes: handlers.maxCatchUpBytes }),
    onCaughtUp: () => {
      caughtUp = true;
      handlers.onCaughtUp?.();
      overIfDone();
    },
  };
  const subscription = ended === 'poll'
    ? (options.polledFeeds ?? new PolledRunFeeds(log)).subscribe(runId, afterSequence, subscribeHandlers, options.runExists)
    : log.subscribe(runId, afterSequence, subscribeHandlers);
  // Held through a box emptied on close, so a closed reader is not kept in memory by the run's
  // promise until the run ends.
  const box: { over?: () => void } = {
    over: () => {
      runOver = true;
      // Events published with the run's end are delivered first (they are sent synchronously).
      setImmediate(overIfDone);
    },
  };
  if (options.runDone) whenSettled(options.runDone, box);
  return {
    close: () => {
      closed = true;
      delete box.over;
      subscription.close();
    },
  };
}

/** Calls `box.over` when `promise` settles, if the box still holds it. */
function whenSettled(promise: Promise<unknown>, box: { over?: () => void }): void {
  const fire = () => box.over?.();
  promise.then(fire, fire);
}
