import { SqlitePlatform, type SqlEntityManager } from '@mikro-orm/sql';
import { SQLITE_BUSY_TIMEOUT_MS, type Orm } from './init-orm.ts';
import { batchOutcome, convertStoreError, OrmGroupWriter, type AppendBatch, type EventTable, type GroupWriter } from './event-group-writer.ts';
import { SqliteWriterThread } from './sqlite-writer-thread.ts';
import { LiveFanout } from '../events/live-fanout.ts';
import { subscribeWithHistory } from '../events/subscribe-with-history.ts';
import type { EventLog, ReadRange, SubscribeHandlers, Subscription } from '../events/event-log.ts';
import type { EventCategory, StoredEvent } from '../events/run-event.ts';

interface PendingAppend extends AppendBatch {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The SQLite database file a writer thread can open beside the ORM's connection, if this is
 * one: an in-memory database exists only inside its one connection, and a remote libSQL URL
 * is not a file.
 */
function sharedSqliteFile(orm: Orm): string | undefined {
  if (!(orm.em.getPlatform() instanceof SqlitePlatform)) return undefined;
  const dbName = String(orm.config.get('dbName') ?? '');
  if (dbName === '' || dbName === ':memory:' || /^[a-z][a-z0-9+.-]+:/i.test(dbName)) return undefined;
  return dbName;
}

/**
 * The embedded event log: `execution_event` rows and live delivery to subscribers in this
 * process. Appends of all runs arriving in the same tick are group-committed in one
 * transaction, so throughput does not fall with the number of concurrent runs. A batch is
 * published to live subscribers only after it is stored. Events stay with their run.
 *
 * On a SQLite file the groups are written by a thread of their own (SQLite calls are
 * synchronous: on the main thread every insert and commit would stall HTTP, SSE and the
 * runs); on PostgreSQL, MySQL and an in-memory SQLite database they go through the ORM.
 */
export class SqlEventLog implements EventLog {
  readonly #orm: Orm;
  readonly #writer: GroupWriter;
  readonly #fanout = new LiveFanout();
  #queue: PendingAppend[] = [];
  #flushing: Promise<void> | null = null;
  #closed = false;

  constructor(orm: Orm) {
    this.#orm = orm;
    const file = sharedSqliteFile(orm);
    const platform = orm.em.getPlatform();
    this.#writer = file
      ? new SqliteWriterThread({ file, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS }, {
          createdAt: () => platform.processDateProperty(new Date()) as number | string,
          convertError: (err) => convertStoreError(orm, err),
        })
      : new OrmGroupWriter(orm);
  }

  /** The SQLite writer thread, when appends go through one (tests reach its crash path here). */
  get writerThread(): SqliteWriterThread | undefined {
    return this.#writer instanceof SqliteWriterThread ? this.#writer : undefined;
  }

  append(runId: number, events: StoredEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the event log is closed'));
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ runId, events, resolve, reject });
      this.#flushing ??= this.#flushLoop();
    });
  }

  /**
   * One group in flight at a time: while it is being stored the next tick's appends gather,
   * so a busy store gets fewer, larger transactions. Groups go out in order, and a run's
   * appends are serialised by its writer, so each run's events are stored in order.
   */
  async #flushLoop(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#queue.length > 0) {
        const group = this.#queue;
        this.#queue = [];
        let outcomes: Array<Error | undefined>;
        try {
          outcomes = await this.#writer.write(group);
        } catch (err) {
          for (const pending of group) pending.reject(err);
          continue;
        }
        group.forEach((pending, i) => {
          const err = batchOutcome(pending.runId, outcomes[i]);
          if (err) pending.reject(err);
          else this.#settle(pending);
        });
      }
    } finally {
      this.#flushing = null;
    }
  }

  #settle(pending: PendingAppend): void {
    this.#fanout.publish(pending.runId, pending.events);
    pending.resolve();
  }

  /**
   * Straight through Kysely, as append: hydrating entities (identity map, property mapping)
   * cost ~6x the query itself, and history is read page by page for every SSE (re)connect.
   */
  async last(runId: number): Promise<StoredEvent | undefined> {
    const row = await (this.#orm.em.fork() as SqlEntityManager).getKysely<EventTable>()
      .selectFrom('execution_event')
      .select(['sequence', 'category', 'action', 'payload'])
      .where('run_id', '=', runId)
      .orderBy('sequence', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { id: String(row.sequence), sequence: row.sequence, category: row.category as EventCategory, action: row.action, json: row.payload };
  }

  async read(runId: number, range: ReadRange = {}): Promise<StoredEvent[]> {
    let query = (this.#orm.em.fork() as SqlEntityManager).getKysely<EventTable>()
      .selectFrom('execution_event')
      .select(['sequence', 'category', 'action', 'payload'])
      .where('run_id', '=', runId)
      .where('sequence', '>=', range.from ?? 1)
      .orderBy('sequence', 'asc');
    if (range.to !== undefined) query = query.where('sequence', '<=', range.to);
    if (range.limit !== undefined) query = query.limit(range.limit);
    const rows = await query.execute();
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
      (listener, gone) => this.#fanout.add(runId, listener, gone),
      (after, limit) => this.read(runId, { from: after + 1, limit }),
    );
  }

  async markEnded(_runId: number): Promise<void> {
    // Rows stay with their run in the database; there is nothing to expire or release here.
  }

  /**
   * Through the writer: on a SQLite file that is its thread, so the delete is ordered after the
   * group in flight, never blocks the main thread, and returns the freed pages. The runs have
   * ended, so no append of theirs is still queued.
   */
  async deleteRuns(runIds: readonly number[]): Promise<void> {
    if (runIds.length === 0) return;
    if (this.#closed) throw new Error('the event log is closed');
    await this.#writer.deleteRuns(runIds);
    for (const runId of runIds) this.#fanout.end(runId, new Error(`run ${runId} was deleted`));
  }

  subscriberCount(): number {
    return this.#fanout.count();
  }

  /** Appends already made are stored (or fail) first; later ones are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#flushing) await this.#flushing;
    await this.#writer.close();
  }
}
