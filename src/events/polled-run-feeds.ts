import type { EventLog, SubscribeHandlers, Subscription } from './event-log.ts';
import { isTerminal, type StoredEvent } from './run-event.ts';
import { HISTORY_PAGE, subscribeWithHistory } from './subscribe-with-history.ts';

/** How often a run executing in another process is read back when the log has no shared live feed. */
export const POLL_MS = 500;

interface Subscriber {
  onEvents(events: StoredEvent[]): void;
  onError(err: Error): void;
}

interface Poller {
  subscribers: Set<Subscriber>;
  stopped: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Whether the run still exists (its first subscriber's check): asked only when a poll found nothing new. */
  exists: (() => Promise<boolean>) | undefined;
}

/**
 * Runs executing in another process, followed where the log carries no live feed across
 * processes (the SQL log of a deployment without Redis): one poller per run reads what the
 * owner stored, every `pollMs`, and hands each new batch to every subscriber of the run, so N
 * subscribers of a run cost one query per interval, not N. The poller starts at the log's end
 * with the run's first subscriber and stops when the last one leaves or once it read the
 * terminal event. Each subscriber first reads the history from its own resume point, then
 * takes the shared feed (subscribeWithHistory), with no gap and no duplicate.
 */
export class PolledRunFeeds {
  readonly #log: EventLog;
  readonly #pollMs: number;
  readonly #pollers = new Map<number, Poller>();

  constructor(log: EventLog, pollMs = POLL_MS) {
    this.#log = log;
    this.#pollMs = pollMs;
  }

  /** `exists`: whether the run still exists; a run deleted while polled ends its subscriptions with an error. */
  subscribe(runId: number, afterSequence: number, handlers: SubscribeHandlers, exists?: () => Promise<boolean>): Subscription {
    return subscribeWithHistory(
      afterSequence,
      handlers,
      (listener) => this.#join(runId, exists, {
        onEvents: listener,
        // A failed read ends the subscription (the client resumes from the log): the SSE bridge closes it on onError.
        onError: (err) => handlers.onError?.(err),
      }),
      (after, limit) => this.#log.read(runId, { from: after + 1, limit }),
    );
  }

  /** Runs polled now (for tests and metrics). */
  get pollerCount(): number {
    return this.#pollers.size;
  }

  #join(runId: number, exists: (() => Promise<boolean>) | undefined, subscriber: Subscriber): () => void {
    let poller = this.#pollers.get(runId);
    if (!poller) {
      const started: Poller = { subscribers: new Set(), stopped: false, timer: undefined, exists };
      this.#pollers.set(runId, started);
      this.#poll(runId, started).catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.#stop(runId, started);
        for (const s of [...started.subscribers]) s.onError(error);
      });
      poller = started;
    }
    const joined = poller;
    joined.subscribers.add(subscriber);
    return () => {
      joined.subscribers.delete(subscriber);
      if (joined.subscribers.size === 0) this.#stop(runId, joined);
    };
  }

  #stop(runId: number, poller: Poller): void {
    poller.stopped = true;
    clearTimeout(poller.timer);
    if (this.#pollers.get(runId) === poller) this.#pollers.delete(runId);
  }

  async #poll(runId: number, poller: Poller): Promise<void> {
    // Each subscriber reads what lies before this from its own resume point.
    const end = await this.#log.last(runId);
    let cursor = end?.sequence ?? 0;
    if (end && isTerminal(end)) return this.#stop(runId, poller);
    while (!poller.stopped) {
      await new Promise<void>((resolve) => {
        poller.timer = setTimeout(resolve, this.#pollMs);
      });
      // A long stretch stored since the last look is read page by page, without waiting in between.
      const before = cursor;
      for (let full = true; full && !poller.stopped;) {
        const page = await this.#log.read(runId, { from: cursor + 1, limit: HISTORY_PAGE });
        if (poller.stopped || page.length === 0) break;
        cursor = page[page.length - 1]!.sequence;
        for (const s of [...poller.subscribers]) s.onEvents(page);
        // The terminal event is a run's last: nothing follows it.
        if (isTerminal(page[page.length - 1]!)) return this.#stop(runId, poller);
        full = page.length === HISTORY_PAGE;
      }
      // Asked only when a poll found nothing new, so a busy run costs no extra query.
      if (!poller.stopped && cursor === before && poller.exists && !(await poller.exists())) throw new Error(`run ${runId} was deleted`);
    }
  }
}
