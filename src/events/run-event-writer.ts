import { setTimeout as delay } from 'node:timers/promises';
import type { EventLog } from './event-log.ts';
import { toStoredEvent, type EventDraft, type StoredEvent } from './run-event.ts';

const RETRY_DELAYS_MS = [50, 250, 1000];

/**
 * Asked when an append fails: does this process still own the run? A rejected append may be
 * the log refusing sequences another process already wrote (the run was taken over after this
 * owner's lease lapsed). Then nothing more may be written: retrying, or skipping ahead to later
 * sequences, would put events after the run's terminal one.
 */
export interface WriterFence {
  stillOwned(): Promise<boolean>;
  /** Called once when the writer found it lost the run; it has stopped writing. */
  onLost(): void;
}

/**
 * The one writer of a run's events (the run's sink actor holds it): assigns the sequence,
 * stamps run_id and timestamp, serialises once, and appends everything pushed during one
 * tick as one batch. Batches are appended strictly one after another, so order holds.
 */
export class RunEventWriter {
  readonly runId: number;
  readonly #log: EventLog;
  readonly #onError: (err: Error, lost: number) => void;
  #nextSequence = 1;
  #pending: StoredEvent[] = [];
  #flushing: Promise<void> | null = null;
  #closed = false;
  #dropped = 0;
  #lost = 0;
  readonly #fence: WriterFence | undefined;
  #fenced = false;

  /** `firstSequence` > 1 continues a run's log (recording the end of a run whose process died). */
  constructor(runId: number, log: EventLog, onError: (err: Error, lost: number) => void, firstSequence = 1, fence?: WriterFence) {
    this.runId = runId;
    this.#log = log;
    this.#onError = onError;
    this.#nextSequence = firstSequence;
    this.#fence = fence;
  }

  /** True once an append failed because the run belongs to another process now. */
  get fenced(): boolean {
    return this.#fenced;
  }

  /** Returns the stored event, or undefined when the writer is closed (the event is dropped). */
  push(draft: EventDraft): StoredEvent | undefined {
    if (this.#closed) {
      this.#dropped++;
      return undefined;
    }
    const stored = this.#stamp(draft, new Date().toISOString());
    this.#flushing ??= this.#flushLoop();
    return stored;
  }

  /**
   * Sequences a batch in its order (one timestamp: it arrived at once). Returns how many were
   * accepted: all, or none once the writer is closed.
   */
  pushBatch(drafts: readonly EventDraft[]): number {
    if (this.#closed) {
      this.#dropped += drafts.length;
      return 0;
    }
    const timestamp = new Date().toISOString();
    for (const draft of drafts) this.#stamp(draft, timestamp);
    if (drafts.length > 0) this.#flushing ??= this.#flushLoop();
    return drafts.length;
  }

  #stamp(draft: EventDraft, timestamp: string): StoredEvent {
    const stored = toStoredEvent({
      run_id: this.runId,
      timestamp,
      sequence: this.#nextSequence++,
      source: draft.source,
      event: { category: draft.category, action: draft.action },
      data: draft.data,
    });
    this.#pending.push(stored);
    return stored;
  }

  /** Resolves once every event pushed so far has been appended (or given up on). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Later pushes are dropped: the run is over or its sink is gone. */
  close(): void {
    this.#closed = true;
  }

  get lastSequence(): number {
    return this.#nextSequence - 1;
  }

  get droppedCount(): number {
    return this.#dropped;
  }

  /** Events that could not be stored (the log kept failing): a gap the run's record reports. */
  get lostCount(): number {
    return this.#lost;
  }

  async #flushLoop(): Promise<void> {
    // Yield one macrotask so every event of this tick joins the batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#pending.length > 0 && !this.#fenced) {
      const batch = this.#pending;
      this.#pending = [];
      await this.#appendWithRetry(batch);
    }
    this.#flushing = null;
  }

  /** An ownership check that itself fails (database down) keeps the usual retry course. */
  async #ownedOrUnknown(): Promise<boolean> {
    try {
      return await this.#fence!.stillOwned();
    } catch (err) {
      this.#onError(err instanceof Error ? err : new Error(String(err)), 0);
      return true;
    }
  }

  async #appendWithRetry(batch: StoredEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#log.append(this.runId, batch);
        return;
      } catch (err) {
        if (this.#fence && !(await this.#ownedOrUnknown())) {
          this.#fenced = true;
          this.#closed = true;
          this.#dropped += batch.length + this.#pending.length;
          this.#pending = [];
          this.#fence.onLost();
          return;
        }
        if (attempt >= RETRY_DELAYS_MS.length) {
          // The run goes on without its events rather than failing: report, never swallow.
          this.#lost += batch.length;
          this.#onError(err instanceof Error ? err : new Error(String(err)), batch.length);
          return;
        }
        await delay(RETRY_DELAYS_MS[attempt]);
      }
    }
  }
}
