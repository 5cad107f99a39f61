/**
 * How a run's writer checkpoints it: the run's persisted state is taken as a batch that settles a
 * step goes out (so it covers exactly the events up to that batch's last), and stored once that
 * batch is appended — never per token, at most one save in flight, the latest one winning.
 */
export interface WriterCheckpoints {
  /** The run's persisted state now, serialised. */
  take(): string;
  /** Stores it as covering the events up to `sequence`. */
  save(sequence: number, snapshot: string): Promise<void>;
}

export interface TakenCheckpoint {
  sequence: number;
  snapshot: string;
}

/**
 * When a run's writer takes and stores checkpoints: at most one per interval (a burst of steps is
 * one checkpoint, of its end), saved in the background one at a time, a newer one waiting for the
 * save in flight replacing any older one waiting.
 */
export class CheckpointSchedule {
  readonly #checkpoints: WriterCheckpoints;
  readonly #intervalMs: number;
  readonly #onError: (err: Error) => void;
  /** Asks the writer for a flush once an interval's wait is over. */
  readonly #wake: () => void;
  #due = false;
  #lastAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #saving: Promise<void> | null = null;
  #next: TakenCheckpoint | null = null;
  #savedSequence = 0;
  #storedWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(checkpoints: WriterCheckpoints, intervalMs: number, onError: (err: Error) => void, wake: () => void) {
    this.#checkpoints = checkpoints;
    this.#intervalMs = Math.max(0, intervalMs);
    this.#onError = onError;
    this.#wake = wake;
  }

  /** True when the next flush is to take a checkpoint. */
  get due(): boolean {
    return this.#due;
  }

  /** The last event sequence a stored checkpoint covers (0: none stored yet). */
  get savedSequence(): number {
    return this.#savedSequence;
  }

  /**
   * A step settled: the next flush takes a checkpoint — or, within the interval of the last one,
   * a flush when the interval is over does (of the run's state then: later steps included).
   */
  request(): void {
    if (this.#timer || this.#stopped) return;
    const wait = this.#lastAt + this.#intervalMs - Date.now();
    if (wait <= 0) {
      this.#due = true;
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#stopped) return;
      this.#due = true;
      this.#wake();
    }, wait);
    this.#timer.unref();
  }

  /** No more timed checkpoints (the writer is closed). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Takes the run's state now as covering events up to `sequence` (null: it could not be serialised, reported). */
  take(sequence: number): TakenCheckpoint | null {
    this.#due = false;
    this.#lastAt = Date.now();
    try {
      return { sequence, snapshot: this.#checkpoints.take() };
    } catch (err) {
      this.#onError(new Error(`the run's state could not be checkpointed: ${err instanceof Error ? err.message : String(err)}`));
      return null;
    }
  }

  /** Saves in the background (events never wait for it), one at a time, the latest waiting one winning. */
  save(checkpoint: TakenCheckpoint, cancelled: () => boolean): void {
    if (this.#saving) {
      this.#next = checkpoint;
      return;
    }
    this.#saving = this.#checkpoints.save(checkpoint.sequence, checkpoint.snapshot)
      .then(() => {
        this.#savedSequence = Math.max(this.#savedSequence, checkpoint.sequence);
        const waiters = this.#storedWaiters;
        this.#storedWaiters = [];
        for (const resolve of waiters) resolve();
      }, (err: unknown) => {
        this.#onError(new Error(`the run's checkpoint could not be stored: ${err instanceof Error ? err.message : String(err)}`));
      })
      .finally(() => {
        this.#saving = null;
        const next = this.#next;
        this.#next = null;
        if (next && !cancelled()) this.save(next, cancelled);
      });
  }

  /** Resolves when the next checkpoint is stored (or `until` resolves first). */
  async nextStored(until: Promise<unknown>): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#storedWaiters.push(resolve);
    await Promise.race([promise, until]);
  }

  /** Drops any checkpoint waiting to be saved (a newer one is coming) and waits for the save in flight. */
  async settle(): Promise<void> {
    this.#next = null;
    await this.#saving;
  }

  /** Takes the run's state now, outside the schedule (the last checkpoint at a hand-off). */
  takeNow(): string {
    return this.#checkpoints.take();
  }

  /** Stores a checkpoint in the foreground, failing the caller when it cannot be stored. */
  async saveNow(sequence: number, snapshot: string): Promise<void> {
    await this.#checkpoints.save(sequence, snapshot);
    this.#savedSequence = Math.max(this.#savedSequence, sequence);
  }
}
