import type { StoredEvent } from './run-event.ts';

export interface ReadRange {
  /** Smallest sequence to include (default 1). */
  from?: number;
  /** Largest sequence to include (default: no limit). */
  to?: number;
  limit?: number;
}

export interface Subscription {
  /** Stops delivery at once; safe to call more than once. */
  close(): void;
}

export interface SubscribeHandlers {
  /**
   * Called in sequence order, each event exactly once. Must not block. While history is being
   * delivered (page by page), a returned promise is awaited before the next page: flow control
   * for a reader that is slower than the store. Live delivery never waits.
   */
  onEvents(events: StoredEvent[]): void | Promise<void>;
  /** Called once, when the history has been delivered and only live events can follow. */
  onCaughtUp?(): void;
  /** The log failed or the subscription could not continue; no more events follow. */
  onError?(err: Error): void;
  /**
   * Live events held for this subscriber while its history is delivered, in bytes of JSON
   * (UTF-8): past it the subscription fails with onError (it resumes later from the log). Default
   * 8 MiB (MAX_CATCH_UP_BYTES), so one slow reader cannot pin a run's large events.
   */
  maxCatchUpBytes?: number;
}

export interface EventLogHealth {
  /** Whether every backend answers; false with `serving` still true means degraded. */
  ok: boolean;
  /** Whether appends and reads are still served (by a fallback store). */
  serving: boolean;
  detail: string;
}

/**
 * The seam every event backend implements (SQL + in-process fan-out now, Redis Streams next).
 * One shared test suite (test/suites/event-log-suite.ts) holds every implementation to it.
 */
export interface EventLog {
  /**
   * Appends a batch of one run's events, in order, sequences strictly increasing. All or
   * nothing: if any of its sequences already exists in the run's log, or is not above the last
   * stored sequence, it rejects with SequenceConflictError and stores nothing of the batch
   * (the fence against a stale writer); other runs' batches are unaffected.
   */
  append(runId: number, events: StoredEvent[]): Promise<void>;
  read(runId: number, range?: ReadRange): Promise<StoredEvent[]>;
  /** The run's last stored event (highest sequence), without reading the rest of its log. */
  last(runId: number): Promise<StoredEvent | undefined>;
  /**
   * History after `afterSequence`, then live events, with no gap and no duplicate. Delivery of
   * history starts asynchronously; errors go to `onError`.
   */
  subscribe(runId: number, afterSequence: number, handlers: SubscribeHandlers): Subscription;
  /** The run will get no more events; live subscribers may be released. */
  markEnded(runId: number): Promise<void>;
  /**
   * Deletes every stored event of the runs (run deletion and retention), wherever the backend
   * keeps them, and ends this process's live subscriptions of them with `onError`. Idempotent:
   * runs with nothing stored (or deleted already, maybe by another process) are no error. The
   * runs must have ended: an append racing the delete may survive it.
   */
  deleteRuns(runIds: readonly number[]): Promise<void>;
  /** How the backends behind the log are doing, for /health (absent: nothing beyond the database). */
  health?(): Promise<EventLogHealth>;
  /**
   * Whether subscribers see live events appended by other processes (a shared feed such as Redis
   * Streams). When false, only this process's own appends are delivered live.
   */
  readonly liveAcrossProcesses?: boolean;
  /** Number of live subscriptions (for resource checks and metrics). */
  subscriberCount(): number;
  close(): Promise<void>;
}
