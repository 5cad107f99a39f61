/** The counting state of a bench client's stream followers, whichever protocol they read. */
import type { StreamCounters } from './protocol.ts';

const MAX_LATENCY_MS = 600_000;

/** Counting state shared by all streams of one job (one client process). */
export class Tally {
  readonly counters: StreamCounters;
  /** Dense 1 ms histogram; turned sparse when reported. */
  readonly #hist = new Uint32Array(MAX_LATENCY_MS + 1);

  constructor(counters: StreamCounters) {
    this.counters = counters;
  }
  latency(ms: number): void {
    const bucket = ms < 0 ? 0 : ms > MAX_LATENCY_MS ? MAX_LATENCY_MS : ms;
    this.#hist[bucket]!++;
    if (ms > this.counters.latencyMax) this.counters.latencyMax = ms;
  }
  error(message: string): void {
    if (this.counters.errors.length < 20) this.counters.errors.push(message);
  }
  report(): StreamCounters {
    const sparse: Array<[number, number]> = [];
    for (let ms = 0; ms <= MAX_LATENCY_MS; ms++) if (this.#hist[ms]) sparse.push([ms, this.#hist[ms]!]);
    return { ...this.counters, latency: sparse };
  }
}
