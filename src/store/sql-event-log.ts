import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Orm } from './init-orm.ts';
import { ExecutionEvent } from './entities/index.ts';
import { LiveFanout } from '../events/live-fanout.ts';
import { subscribeWithHistory } from '../events/subscribe-with-history.ts';
import type { EventLog, ReadRange, SubscribeHandlers, Subscription } from '../events/event-log.ts';
import type { EventCategory, StoredEvent } from '../events/run-event.ts';

/** The columns of `execution_event` written by append (see entities/execution-event.entity.ts). */
interface EventTable {
  execution_event: { run_id: number; sequence: number; category: string; action: string; payload: string; created_at: unknown };
}

interface PendingAppend {
  runId: number;
  events: StoredEvent[];
  resolve(): void;
  reject(err: unknown): void;
}

/** Rows per INSERT statement: well under every driver's bound-parameter limit (7 per row). */
const ROWS_PER_INSERT = 1000;

/**
 * The embedded event log: `execution_event` rows and live delivery to subscribers in this
 * process. Appends of all runs arriving in the same tick are group-committed in one
 * transaction, so throughput does not fall with the number of concurrent runs. A batch is
 * published to live subscribers only after it is stored. Events stay with their run.
 */
export class SqlEventLog implements EventLog {
  readonly #orm: Orm;
  readonly #fanout = new LiveFanout();
  #queue: PendingAppend[] = [];
  #flushing: Promise<void> | null = null;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  append(runId: number, events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ runId, events, resolve, reject });
      this.#flushing ??= this.#flushLoop();
    });
  }

  async #flushLoop(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#queue.length > 0) {
        const group = this.#queue;
        this.#queue = [];
        try {
          await this.#insert(group);
        } catch {
          // One bad batch must not fail the other runs of the group: retry each on its own.
          for (const pending of group) {
            try {
              await this.#insert([pending]);
            } catch (err) {
              pending.reject(err);
              continue;
            }
            this.#settle(pending);
          }
          continue;
        }
        for (const pending of group) this.#settle(pending);
      }
    } finally {
      this.#flushing = null;
    }
  }

  /**
   * One transaction for the whole group, straight through the ORM's Kysely instance: rows are
   * plain columns, so the entity layer (identity map, change sets) would be pure overhead here.
   */
  async #insert(group: PendingAppend[]): Promise<void> {
    const em = this.#orm.em.fork() as SqlEntityManager;
    const createdAt = em.getPlatform().processDateProperty(new Date());
    const rows = group.flatMap(({ runId, events }) => events.map((e) => ({
      run_id: runId, sequence: e.sequence, category: e.category, action: e.action, payload: e.json, created_at: createdAt,
    })));
    try {
      await em.transactional(async (tx) => {
        const db = (tx as SqlEntityManager).getKysely<EventTable>();
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          await db.insertInto('execution_event').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
        }
      });
    } catch (err) {
      // Raw driver errors become the ORM's typed exceptions (unique violation, connection lost…).
      throw err instanceof Error && err.name.endsWith('Exception') ? err : em.getDriver().convertException(err as Error);
    }
  }

  #settle(pending: PendingAppend): void {
    this.#fanout.publish(pending.runId, pending.events);
    pending.resolve();
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
      (after, limit) => this.read(runId, { from: after + 1, limit }),
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
