import type { StreamReader } from './stream-reader.ts';

/** A run this process appended to within this counts as written here. */
const QUIET_MS = 2_000;

/**
 * The runs this process writes now. Their events reach this process's subscribers through its
 * own fan-out, so the XREAD reader leaves their streams out (it would only deliver each event a
 * second time). A run stops counting as local when it ends, when another writer wins a sequence
 * (SequenceConflictError), or after QUIET_MS without an append here (it may have moved to
 * another process): its stream is then read again, after the last event appended here.
 */
export class LocalRuns {
  readonly #readerOf: (runId: number) => StreamReader;
  readonly #keyOf: (runId: number) => string;
  readonly #lastAppend = new Map<number, number>();
  readonly #sweep: NodeJS.Timeout;

  constructor(readerOf: (runId: number) => StreamReader, keyOf: (runId: number) => string) {
    this.#readerOf = readerOf;
    this.#keyOf = keyOf;
    this.#sweep = setInterval(() => {
      const quietSince = Date.now() - QUIET_MS;
      for (const [runId, at] of this.#lastAppend) if (at < quietSince) this.stopped(runId);
    }, QUIET_MS / 2);
    this.#sweep.unref();
  }

  /** This process stored the run's events up to `sequence` (and publishes them to its subscribers). */
  wrote(runId: number, sequence: number): void {
    this.#lastAppend.set(runId, Date.now());
    this.#readerOf(runId).markLocal(this.#keyOf(runId), sequence);
  }

  stopped(runId: number): void {
    if (!this.#lastAppend.delete(runId)) return;
    this.#readerOf(runId).unmarkLocal(this.#keyOf(runId));
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}
