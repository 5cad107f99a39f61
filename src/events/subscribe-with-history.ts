import type { StoredEvent } from './run-event.ts';
import type { SubscribeHandlers, Subscription } from './event-log.ts';

/** Events per history read: a long history is neither loaded whole nor pushed at a slow reader at once. */
export const HISTORY_PAGE = 500;
/** Live events held for a subscriber still catching up; past this it is failed (it resumes later). */
export const MAX_CATCH_UP_BUFFER = 10_000;

/**
 * History-then-live without gap or duplicate, for any backend with a live feed: listen first
 * (buffering), read history page by page (waiting for the subscriber between pages), deliver
 * it, then the buffered and live events past the last sequence delivered. Events published
 * before listening are in history because a log publishes only after the batch is stored.
 */
export function subscribeWithHistory(
  afterSequence: number,
  handlers: SubscribeHandlers,
  listen: (listener: (events: StoredEvent[]) => void) => () => void,
  readPage: (after: number, limit: number) => Promise<StoredEvent[]>,
): Subscription {
  let last = afterSequence;
  let closed = false;
  let buffered: StoredEvent[] | null = [];
  const fail = (err: unknown) => {
    if (closed) return;
    closed = true;
    buffered = null;
    stop();
    const error = err instanceof Error ? err : new Error(String(err));
    try {
      if (handlers.onError) handlers.onError(error);
      else process.emitWarning(error, 'SubscriberError');
    } catch (second) {
      process.emitWarning(second instanceof Error ? second : new Error(String(second)), 'SubscriberError');
    }
  };
  /** Returns the subscriber's flow-control promise, if it gave one. */
  const deliver = (events: StoredEvent[]): void | Promise<void> => {
    const fresh = events.filter((e) => e.sequence > last);
    if (fresh.length === 0 || closed) return;
    last = fresh[fresh.length - 1]!.sequence;
    try {
      return handlers.onEvents(fresh);
    } catch (err) {
      // A subscriber that throws is closed; it never disturbs the log or other subscribers.
      fail(err);
    }
  };
  const stop = listen((events) => {
    if (!buffered) {
      deliver(events);
      return;
    }
    buffered.push(...events);
    if (buffered.length > MAX_CATCH_UP_BUFFER) fail(new Error('the subscriber fell too far behind while catching up; resume from the last event id'));
  });
  const catchUp = async () => {
    for (;;) {
      const page = await readPage(last, HISTORY_PAGE);
      if (closed) return;
      await deliver(page);
      if (closed || page.length < HISTORY_PAGE) break;
    }
    const pending = buffered ?? [];
    buffered = null;
    deliver(pending);
    if (!closed) handlers.onCaughtUp?.();
  };
  catchUp().catch(fail);
  return {
    close() {
      if (closed) return;
      closed = true;
      buffered = null;
      stop();
    },
  };
}
