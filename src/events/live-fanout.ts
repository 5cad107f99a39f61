import type { StoredEvent } from './run-event.ts';

type Listener = (events: StoredEvent[]) => void;

/**
 * In-process fan-out of appended batches to a run's live subscribers. A listener only
 * enqueues (never awaits), so one slow subscriber cannot hold up the run or the others.
 * Runs with no listener cost one map lookup per batch. Every listener gets the same array, so
 * whatever is derived from a batch once (its SSE encoding) serves them all.
 */
export class LiveFanout {
  readonly #listeners = new Map<number, Set<Listener>>();
  /** How each listener is told its run is gone (deleted): kept apart, so publish stays one call per listener. */
  readonly #onGone = new Map<Listener, (err: Error) => void>();

  /** `onGone` is called if the run is deleted while the listener is on (see end). */
  add(runId: number, listener: Listener, onGone?: (err: Error) => void): () => void {
    let set = this.#listeners.get(runId);
    if (!set) this.#listeners.set(runId, (set = new Set()));
    set.add(listener);
    if (onGone) this.#onGone.set(listener, onGone);
    return () => {
      set.delete(listener);
      this.#onGone.delete(listener);
      if (set.size === 0 && this.#listeners.get(runId) === set) this.#listeners.delete(runId);
    };
  }

  /** The run was deleted: every listener of it is removed and told why (it gets no more events). */
  end(runId: number, reason: Error): void {
    const set = this.#listeners.get(runId);
    if (!set) return;
    this.#listeners.delete(runId);
    for (const listener of set) {
      const onGone = this.#onGone.get(listener);
      this.#onGone.delete(listener);
      onGone?.(reason);
    }
  }

  publish(runId: number, events: StoredEvent[]): void {
    const set = this.#listeners.get(runId);
    if (!set) return;
    // The set itself, not a copy (10,000 subscribers would mean a 10,000-entry copy per batch):
    // a listener removed meanwhile is skipped, and one added meanwhile may see this batch,
    // which subscribers drop by sequence.
    for (const listener of set) {
      try {
        listener(events);
      } catch (err) {
        // A broken listener loses its place; the run and the other listeners go on.
        set.delete(listener);
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'SubscriberError');
      }
    }
    if (set.size === 0 && this.#listeners.get(runId) === set) this.#listeners.delete(runId);
  }

  count(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}
