import { setTimeout as delay } from 'node:timers/promises';
import type { EventLog } from './event-log.ts';
import { toStoredEvent, type EventDraft, type RunEvent, type StoredEvent } from './run-event.ts';
import { SequenceConflictError } from './sequence-conflict-error.ts';
import { CheckpointSchedule, type WriterCheckpoints } from './run-checkpoint-schedule.ts';

export type { WriterCheckpoints } from './run-checkpoint-schedule.ts';

const RETRY_DELAYS_MS = [50, 250, 1000];

/** Renumberings after a takeover race (see #appendWithRetry): a lost owner writes on for a moment at most. */
const MAX_RENUMBERS = 20;

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
 * Drafts that settle no step: token deltas, a model call's start and end (the agent's own events
 * on its done or error event settle it), and a run's opening (its start, topology, or resume,
 * which leaves it where its last checkpoint — or none: a fresh start — has it already). A batch
 * ending with one does not ask for a checkpoint.
 */
const settlesNothing = (draft: EventDraft): boolean =>
  (draft.category === 'llm' && (draft.action === 'stream' || draft.action === 'reasoning' || draft.action === 'call_started' || draft.action === 'call_completed'))
  || (draft.category === 'lifecycle' && (draft.action === 'started' || draft.action === 'resumed'))
  || (draft.category === 'system' && draft.action === 'topology');

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
  #checkpoints: CheckpointSchedule | null = null;
  #renumbered = 0;

  /** `firstSequence` > 1 continues a run's log (recording the end of a run whose process died). */
  constructor(runId: number, log: EventLog, onError: (err: Error, lost: number) => void, firstSequence = 1, fence?: WriterFence) {
    this.runId = runId;
    this.#log = log;
    this.#onError = onError;
    this.#nextSequence = firstSequence;
    this.#fence = fence;
  }

  /** Starts checkpointing the run after every batch that settles a step (see WriterCheckpoints). */
  checkpointWith(checkpoints: WriterCheckpoints, intervalMs = 0): void {
    this.#checkpoints = new CheckpointSchedule(checkpoints, intervalMs, (err) => this.#onError(err, 0), () => {
      if (!this.#closed) this.#flushing ??= this.#flushLoop();
    });
  }

  /** The last event sequence a stored checkpoint covers (0: none stored by this writer). */
  get checkpointedSequence(): number {
    return this.#checkpoints?.savedSequence ?? 0;
  }

  /** Resolves when the next checkpoint is stored (or `until` resolves first). */
  async nextCheckpointStored(until: Promise<unknown>): Promise<void> {
    if (!this.#checkpoints) {
      await until;
      return;
    }
    await this.#checkpoints.nextStored(until);
  }

  /**
   * The run's last checkpoint, at a hand-off: takes it once every event pushed so far is
   * appended, calls `stop` in the same tick (the run is stopped here, so nothing follows it),
   * closes the writer, appends what was pushed meanwhile and stores the checkpoint. Rejects when
   * it could not be stored (or the run belongs to another process now).
   */
  async finalCheckpoint(stop: () => void): Promise<void> {
    const checkpoints = this.#checkpoints;
    if (!checkpoints) throw new Error('this run is not checkpointed');
    await this.drain();
    // This one is newer than any waiting: it must not be overwritten by one saved after it.
    await checkpoints.settle();
    const snapshot = checkpoints.takeNow();
    stop();
    this.close();
    await this.drain();
    // A checkpoint the flush took meanwhile is older than this one: it is stored first, or not at all.
    await checkpoints.settle();
    if (this.#fenced) throw new Error('the run belongs to another process now');
    await checkpoints.saveNow(this.lastSequence, snapshot);
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
    if (drafts.length > 0) {
      // One look per batch, not per event: a step's events come in batches of their own.
      if (this.#checkpoints && !settlesNothing(drafts[drafts.length - 1]!)) this.#checkpoints.request();
      this.#flushing ??= this.#flushLoop();
    }
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
    this.#checkpoints?.stop();
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
    const checkpoints = this.#checkpoints;
    while ((this.#pending.length > 0 || checkpoints?.due) && !this.#fenced) {
      const batch = this.#pending;
      this.#pending = [];
      const checkpoint = checkpoints?.due ? checkpoints.take(this.lastSequence) : null;
      const stored = batch.length === 0 || await this.#appendWithRetry(batch);
      if (checkpoint && stored) checkpoints!.save(checkpoint, () => this.#fenced);
    }
    this.#flushing = null;
  }

  /** Whether the log holds this batch's first event as this writer made it (then the whole batch: appends are atomic). */
  async #alreadyStored(batch: StoredEvent[]): Promise<boolean> {
    const first = batch[0]!;
    const [stored] = await this.#log.read(this.runId, { from: first.sequence, to: first.sequence, limit: 1 });
    return stored?.json === first.json;
  }

  /** Gives the batch (and what waits after it) sequences from `first` on, in order. */
  #renumber(batch: StoredEvent[], first: number): void {
    let sequence = first;
    for (const events of [batch, this.#pending]) {
      for (let i = 0; i < events.length; i++) {
        const event = JSON.parse(events[i]!.json) as RunEvent;
        events[i] = toStoredEvent({ ...event, sequence: sequence++ });
      }
    }
    this.#nextSequence = sequence;
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

  /** True when the batch was stored. */
  async #appendWithRetry(batch: StoredEvent[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#log.append(this.runId, batch);
        return true;
      } catch (err) {
        const owned = this.#fence ? await this.#ownedOrUnknown() : true;
        if (this.#fence && owned && err instanceof SequenceConflictError && this.#renumbered < MAX_RENUMBERS) {
          // Its sequences exist. Either an earlier attempt of this very batch was stored after all
          // (its answer was lost): an append is all or nothing, so the batch is in the log — or the
          // owner this process took the run from wrote on after the takeover (it is fenced by its
          // next append): this writer's events go on after what it wrote, gap-free, nothing lost.
          if (await this.#alreadyStored(batch)) return true;
          this.#renumbered++;
          const last = await this.#log.last(this.runId);
          this.#renumber(batch, (last?.sequence ?? 0) + 1);
          attempt--;
          continue;
        }
        if (this.#fence && !owned) {
          this.#fenced = true;
          this.#closed = true;
          this.#dropped += batch.length + this.#pending.length;
          this.#pending = [];
          this.#fence.onLost();
          return false;
        }
        if (attempt >= RETRY_DELAYS_MS.length) {
          // The run goes on without its events rather than failing: report, never swallow.
          this.#lost += batch.length;
          this.#onError(err instanceof Error ? err : new Error(String(err)), batch.length);
          return false;
        }
        await delay(RETRY_DELAYS_MS[attempt]);
      }
    }
  }
}
