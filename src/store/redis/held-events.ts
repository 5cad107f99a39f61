import type { StoredEvent } from '../../events/run-event.ts';
import { jsonBytes } from '../../events/subscribe-with-history.ts';

/**
 * Events stored in SQL while Redis was down, per run in order, until they are written back to
 * the run's stream. Counted in bytes of JSON: the log bounds them (appends wait past it).
 */
export class HeldEvents {
  readonly #runs = new Map<number, StoredEvent[]>();
  #bytes = 0;
  #events = 0;

  get bytes(): number {
    return this.#bytes;
  }

  get events(): number {
    return this.#events;
  }

  /** Runs with events held. */
  get runs(): number {
    return this.#runs.size;
  }

  has(runId: number): boolean {
    return this.#runs.has(runId);
  }

  add(runId: number, events: readonly StoredEvent[]): void {
    let list = this.#runs.get(runId);
    if (!list) this.#runs.set(runId, (list = []));
    list.push(...events);
    for (const e of events) this.#bytes += jsonBytes(e);
    this.#events += events.length;
  }

  /** A run with events held (the longest-held first), or undefined. */
  nextRun(): number | undefined {
    return this.#runs.keys().next().value;
  }

  /** The run's held events, oldest first (a copy: later adds do not change it). */
  peek(runId: number): StoredEvent[] {
    return [...(this.#runs.get(runId) ?? [])];
  }

  /** Forgets the run's `count` oldest held events (they are in Redis now). */
  remove(runId: number, count: number): void {
    const list = this.#runs.get(runId);
    if (!list) return;
    for (const e of list.splice(0, count)) this.#bytes -= jsonBytes(e);
    this.#events -= Math.min(count, this.#events);
    if (list.length === 0) this.#runs.delete(runId);
  }

  /** Forgets every held event of the run (it was deleted). */
  drop(runId: number): void {
    const list = this.#runs.get(runId);
    if (list) this.remove(runId, list.length);
  }

  last(runId: number): StoredEvent | undefined {
    return this.#runs.get(runId)?.at(-1);
  }

  inRange(runId: number, from: number, to = Number.POSITIVE_INFINITY): StoredEvent[] {
    return (this.#runs.get(runId) ?? []).filter((e) => e.sequence >= from && e.sequence <= to);
  }
}
