import type { EventLog, ReadRange, SubscribeHandlers, Subscription } from '../events/event-log.ts';
import type { StoredEvent } from '../events/run-event.ts';
import type { CadreMetrics } from './metrics.ts';

/**
 * Any event log, with its appends counted and timed: a decorator wired in by compose, so every
 * backend (SQL, Redis) is measured alike and none of them knows about metrics. The cost is per
 * batch (a clock read, an integer add and a histogram observation), never per event.
 */
export class MeasuredEventLog implements EventLog {
  readonly #inner: EventLog;
  readonly #metrics: CadreMetrics;

  constructor(inner: EventLog, metrics: CadreMetrics) {
    this.#inner = inner;
    this.#metrics = metrics;
  }

  async append(runId: number, events: StoredEvent[]): Promise<void> {
    const started = performance.now();
    try {
      await this.#inner.append(runId, events);
    } catch (err) {
      // Counted per failed attempt (the run's writer retries); rethrown, so the writer decides.
      this.#metrics.errors.inc({ kind: 'EVENT_APPEND' });
      throw err;
    }
    this.#metrics.appendSeconds.observe((performance.now() - started) / 1000);
    this.#metrics.events.appended += events.length;
  }

  read(runId: number, range?: ReadRange): Promise<StoredEvent[]> {
    return this.#inner.read(runId, range);
  }

  last(runId: number): Promise<StoredEvent | undefined> {
    return this.#inner.last(runId);
  }

  subscribe(runId: number, afterSequence: number, handlers: SubscribeHandlers): Subscription {
    return this.#inner.subscribe(runId, afterSequence, handlers);
  }

  markEnded(runId: number): Promise<void> {
    return this.#inner.markEnded(runId);
  }

  deleteRuns(runIds: readonly number[]): Promise<void> {
    return this.#inner.deleteRuns(runIds);
  }

  get liveAcrossProcesses(): boolean {
    return this.#inner.liveAcrossProcesses ?? false;
  }

  /** The log being measured (diagnostics and tests reach a backend's own state through it). */
  get measured(): EventLog {
    return this.#inner;
  }

  subscriberCount(): number {
    return this.#inner.subscriberCount();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
