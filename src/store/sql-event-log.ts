import type { Orm } from './init-orm.ts';
import { ExecutionEvent } from './entities/index.ts';
import { LiveFanout } from '../events/live-fanout.ts';
import { subscribeWithHistory } from '../events/subscribe-with-history.ts';
import type { EventLog, ReadRange, SubscribeHandlers, Subscription } from '../events/event-log.ts';
import type { EventCategory, StoredEvent } from '../events/run-event.ts';

/**
 * The embedded event log: `execution_event` rows written one INSERT per batch, and live
 * delivery to subscribers in this process. Events stay with their run (no expiry).
 */
export class SqlEventLog implements EventLog {
  readonly #orm: Orm;
  readonly #fanout = new LiveFanout();

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  async append(runId: number, events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = new Date();
    await this.#orm.em.fork().insertMany(
      ExecutionEvent,
      events.map((e) => ({ runId, sequence: e.sequence, category: e.category, action: e.action, payload: e.json, createdAt: now })),
    );
    this.#fanout.publish(runId, events);
  }

  async read(runId: number, range: ReadRange = {}): Promise<StoredEvent[]> {
    const sequence: Record<string, number> = { $gte: range.from ?? 1 };
    if (range.to !== undefined) sequence.$lte = range.to;
    const rows = await this.#orm.em.fork().find(
      ExecutionEvent,
      { runId, sequence },
      { orderBy: { sequence: 'asc' }, limit: range.limit, fields: ['sequence', 'category', 'action', 'payload'] },
    );
    return rows.map((r) => ({
      id: String(r.sequence),
      sequence: r.sequence,
      category: r.category as EventCategory,
      action: r.action,
      json: r.payload,
    }));
  }

  subscribe(runId: number, afterSequence: number, handlers: SubscribeHandlers): Subscription {
    return subscribeWithHistory(
      afterSequence,
      handlers,
      (listener) => this.#fanout.add(runId, listener),
      (after) => this.read(runId, { from: after + 1 }),
    );
  }

  async markEnded(_runId: number): Promise<void> {
    // Rows stay with their run in the database; there is nothing to expire or release here.
  }

  subscriberCount(): number {
    return this.#fanout.count();
  }

  async close(): Promise<void> {}
}
