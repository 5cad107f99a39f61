import type { StoredEvent } from './run-event.ts';
import type { SubscribeHandlers, Subscription } from './event-log.ts';

/**
 * History-then-live without gap or duplicate, for any backend with a live feed: listen first
 * (buffering), read history, deliver it, then the buffered and live events past the last
 * sequence delivered. Events published before listening are in history because a log
 * publishes only after the batch is stored.
 */
export function subscribeWithHistory(
  afterSequence: number,
  handlers: SubscribeHandlers,
  listen: (listener: (events: StoredEvent[]) => void) => () => void,
  readAfter: (after: number) => Promise<StoredEvent[]>,
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
  const deliver = (events: StoredEvent[]) => {
    const fresh = events.filter((e) => e.sequence > last);
    if (fresh.length === 0 || closed) return;
    last = fresh[fresh.length - 1]!.sequence;
    try {
      handlers.onEvents(fresh);
    } catch (err) {
      // A subscriber that throws is closed; it never disturbs the log or other subscribers.
      fail(err);
    }
  };
  const stop = listen((events) => {
    if (buffered) buffered.push(...events);
    else deliver(events);
  });
  readAfter(afterSequence).then(
    (history) => {
      if (closed) return;
      deliver(history);
      const pending = buffered ?? [];
      buffered = null;
      deliver(pending);
      if (!closed) handlers.onCaughtUp?.();
    },
    fail,
  );
  return {
    close() {
      if (closed) return;
      closed = true;
      buffered = null;
      stop();
    },
  };
}
