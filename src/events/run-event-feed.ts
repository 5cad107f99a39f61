import type { EventLog } from './event-log.ts';
import type { StoredEvent } from './run-event.ts';
import { followRun, type FollowOptions } from './run-follow.ts';
import type { PolledRunFeeds } from './polled-run-feeds.ts';
import { jsonBytes } from './subscribe-with-history.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../domain/run-records.ts';

/** What following a run for a protocol adapter needs of the run service. */
export interface RunFeedSource {
  readonly eventLog: EventLog;
  get(repos: TenantRepositories, id: number): Promise<RunRecord>;
  status(repos: TenantRepositories, id: number): Promise<Pick<RunRecord, 'id' | 'status'>>;
  hasEnded(repos: TenantRepositories, run: Pick<RunRecord, 'id' | 'status'>): Promise<boolean | 'poll'>;
  whenDone(repos: TenantRepositories, id: number): Promise<unknown> | undefined;
  exists(repos: TenantRepositories, id: number): Promise<boolean>;
}

/** Events held for a reader that does not take them (a stalled client): past it the stream fails; the client resubscribes. */
const MAX_HELD_BYTES = 8 * 1024 * 1024;
/** How long to wait before following again a run that moved to another process between two reads. */
const REFOLLOW_MS = 250;

export type FeedItem = { kind: 'events'; events: StoredEvent[] } | { kind: 'over' } | { kind: 'idle' } | { kind: 'aborted' };

/** A run's followed events as a pull queue: what an async generator awaits. */
class EventFeed {
  #items: FeedItem[] = [];
  #error: Error | undefined;
  #held = 0;
  #wake: (() => void) | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
    signal?.addEventListener('abort', () => this.#wake?.(), { once: true });
  }

  push(item: FeedItem): void {
    if (item.kind === 'events') {
      for (const e of item.events) this.#held += jsonBytes(e);
      if (this.#held > MAX_HELD_BYTES) this.#error ??= new Error('the stream fell too far behind the run; subscribe again');
    }
    this.#items.push(item);
    this.#wake?.();
  }

  fail(err: Error): void {
    this.#error ??= err;
    this.#wake?.();
  }

  /** The next item; `{kind: 'idle'}` when `idleMs` passed with nothing. */
  async next(idleMs?: number): Promise<FeedItem> {
    for (;;) {
      if (this.#signal?.aborted) return { kind: 'aborted' };
      if (this.#error) throw this.#error;
      const item = this.#items.shift();
      if (item) {
        if (item.kind === 'events') for (const e of item.events) this.#held -= jsonBytes(e);
        return item;
      }
      const idle = await new Promise<boolean>((resolve) => {
        const timer = idleMs === undefined ? undefined : setTimeout(() => resolve(true), idleMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      this.#wake = undefined;
      if (idle) return { kind: 'idle' };
    }
  }
}

/**
 * A run's stored events after `afterSequence`, in order and each once, as batches, wherever the
 * run executes (followRun): `{kind: 'idle'}` when `idleMs()` gave a number and that long passed
 * with nothing (a run parked for a human writes no event: the reader looks at its record), and
 * `{kind: 'over'}` last, once the run's record says it ended or waits for a human. A run that
 * moved to another process between two reads is followed on from the last event seen. The
 * reader stops following by returning from the generator (the run is not affected), or by
 * `signal` (its client went away while nothing happened); `{kind: 'aborted'}` says so.
 */
export async function* followRunEvents(
  source: RunFeedSource, polledFeeds: PolledRunFeeds | undefined, repos: TenantRepositories, runId: number, afterSequence: number,
  options: { signal?: AbortSignal; idleMs?: () => number | undefined } = {},
): AsyncGenerator<FeedItem, void, undefined> {
  let after = afterSequence;
  for (;;) {
    const current = await source.status(repos, runId);
    const feed = new EventFeed(options.signal);
    const follow: FollowOptions = {
      ...(polledFeeds && { polledFeeds }),
      runExists: () => source.exists(repos, runId),
    };
    const done = source.whenDone(repos, runId);
    if (done) follow.runDone = done;
    const subscription = followRun(source.eventLog, runId, after, await source.hasEnded(repos, current), {
      onEvents: (events) => feed.push({ kind: 'events', events }),
      onOver: () => feed.push({ kind: 'over' }),
      onError: (err) => feed.fail(err),
    }, follow);
    try {
      for (;;) {
        const item = await feed.next(options.idleMs?.());
        if (item.kind === 'aborted') return yield item;
        if (item.kind === 'over') break;
        if (item.kind === 'events') after = item.events.at(-1)?.sequence ?? after;
        yield item;
      }
    } finally {
      subscription.close();
    }
    const record = await source.get(repos, runId);
    if (terminalStatuses.has(record.status) || record.status === 'waiting_input') return yield { kind: 'over' };
    if (options.signal?.aborted) return yield { kind: 'aborted' };
    // Moved to another process between our reads: follow it on from where we are.
    await new Promise((resolve) => setTimeout(resolve, REFOLLOW_MS));
  }
}
