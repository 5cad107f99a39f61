import type { StoredEvent } from './run-event.ts';

type Listener = (events: StoredEvent[]) => void;

/**
 * In-process fan-out of appended batches to a run's live subscribers. A listener only
 * enqueues (never awaits), so one slow subscriber cannot hold up the run or the others.
 * Runs with no listener cost one map lookup per batch.
 */
export class LiveFanout {
  readonly #listeners = new Map<number, Set<Listener>>();

  add(runId: number, listener: Listener): () => void {
    let set = this.#listeners.get(runId);
    if (!set) this.#listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(runId) === set) this.#listeners.delete(runId);
    };
  }

  publish(runId: number, events: StoredEvent[]): void {
    const set = this.#listeners.get(runId);
    if (!set) return;
    for (const listener of [...set]) listener(events);
  }

  count(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}
