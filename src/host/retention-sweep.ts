import type { EventLog } from '../events/event-log.ts';
import type { Logger } from '../logging/logger.ts';

/** The store's side of retention (Store implements it): system jobs across tenants. */
export interface RetainedRuns {
  /** Up to `limit` ended runs whose end is older than `before`, oldest first. */
  endedRunsBefore(before: Date, limit: number): Promise<number[]>;
  /** The run records and their /execute hierarchies; idempotent, returns the runs deleted. */
  deleteRuns(runIds: readonly number[]): Promise<number>;
}

export interface RetentionSettings {
  /** Ended runs older than this are deleted (RUN_RETENTION_SECONDS); 0 keeps every run. */
  retentionMs: number;
  /** How often the sweep looks for them (RETENTION_SWEEP_SECONDS). */
  sweepMs: number;
  /** Runs per batch: one query for their events, one transaction for their records (default 100). */
  batchSize?: number;
}

export interface RetentionSweepDeps {
  runs: RetainedRuns;
  eventLog: EventLog;
  logger: Logger;
  settings: RetentionSettings;
}

/**
 * Deletes the runs that ended longer than the retention ago, with their events (Redis streams
 * included) and /execute hierarchies, in small batches, yielding to the event loop between
 * them, so a large backlog never holds the database or the process for long. Every process
 * sweeps; deletes are idempotent, so sweeps of several processes at once only repeat work.
 * Events go before records: a sweep cut short leaves records to find again, never orphans.
 */
export class RetentionSweep {
  readonly #deps: RetentionSweepDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | null = null;
  #stopped = false;
  #sweeps = 0;

  constructor(deps: RetentionSweepDeps) {
    this.#deps = deps;
  }

  /** Whether retention is on (a retention of 0 keeps every run and never sweeps). */
  get enabled(): boolean {
    return this.#deps.settings.retentionMs > 0;
  }

  /** Sweeps completed since start (tests wait on it). */
  get sweeps(): number {
    return this.#sweeps;
  }

  /** Starts the periodic sweep (first one after one period); does nothing when retention is off. */
  start(): void {
    if (!this.enabled || this.#timer || this.#stopped) return;
    const next = () => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        this.#running = this.sweepOnce()
          .catch((err: unknown) => this.#deps.logger.error('retention sweep failed; retrying at the next one', { error: String(err) }))
          .finally(() => {
            this.#running = null;
            next();
          });
      }, this.#deps.settings.sweepMs);
      this.#timer.unref();
    };
    next();
  }

  /** Deletes every run past the retention now, batch by batch; resolves with how many. */
  async sweepOnce(): Promise<number> {
    const { runs, eventLog, logger, settings } = this.#deps;
    if (!this.enabled) return 0;
    const batchSize = Math.max(1, settings.batchSize ?? 100);
    const before = new Date(Date.now() - settings.retentionMs);
    let deleted = 0;
    while (!this.#stopped) {
      const ids = await runs.endedRunsBefore(before, batchSize);
      if (ids.length === 0) break;
      await eventLog.deleteRuns(ids);
      deleted += await runs.deleteRuns(ids);
      if (ids.length < batchSize) break;
      // Appends, requests and other processes get their turn between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#sweeps++;
    if (deleted > 0) logger.info('retention deleted ended runs', { runs: deleted, ended_before: before.toISOString() });
    return deleted;
  }

  /** No new sweep starts; resolves when the one in flight has stopped (after its current batch). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
