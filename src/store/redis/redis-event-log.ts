import type { Redis } from 'ioredis';
import type { EventLog, EventLogHealth, ReadRange, SubscribeHandlers, Subscription } from '../../events/event-log.ts';
import type { StoredEvent } from '../../events/run-event.ts';
import { LiveFanout } from '../../events/live-fanout.ts';
import { subscribeWithHistory } from '../../events/subscribe-with-history.ts';
import { SequenceConflictError } from '../../events/sequence-conflict-error.ts';
import type { Logger } from '../../logging/logger.ts';
import { EventArchive } from './event-archive.ts';
import { scriptArgs, WriteBack, type ScriptedRedis } from './write-back.ts';
import { connectRedis, disconnectRedis } from './redis-connection.ts';
import { LocalRuns } from './local-runs.ts';
import { redisKeys, type RedisKeys } from './redis-keys.ts';
import { APPEND_SCRIPT, WRITE_BACK_SCRIPT } from './stream-scripts.ts';
import { StreamReader } from './stream-reader.ts';
import { RedisHistory } from './redis-history.ts';

export interface RedisEventLogOptions {
  url: string;
  /** The SQL event log that archives every event (the complete history). */
  archive: EventLog;
  logger: Logger;
  /** `XADD … MAXLEN ~` of each run's stream (REDIS_STREAM_MAXLEN). */
  streamMaxLen: number;
  /** Seconds a run's stream lives once the run has ended (REDIS_STREAM_TTL_SECONDS). */
  streamTtlSeconds: number;
  /** Bytes of events held in memory (outage write-back plus SQL archive queue) before appends wait (REDIS_MAX_HELD_BYTES). */
  maxHeldBytes: number;
  /** Prepended to every key: separates deployments or test files sharing one Redis. */
  keyPrefix?: string;
  /** CLIENT SETNAME of this process's connections (default "cadre"). */
  clientName?: string;
  /** Blocking XREAD connections; followed streams are spread over them by run id (default 2). */
  readerConnections?: number;
}

interface PendingAppend {
  runId: number;
  events: StoredEvent[];
  resolve(): void;
  reject(err: unknown): void;
}

/** A command answered within this; past it Redis counts as down and events go to SQL. */
const COMMAND_TIMEOUT_MS = 5_000;
const STARTUP_WAIT_MS = 10_000;
/** How long a run deletion waits for the run's events this process is still archiving. */
const ARCHIVE_IDLE_WAIT_MS = 10_000;


/**
 * The production event log: each run's events in a Redis stream `run:{id}:events` (entry id
 * `<sequence>-0`, trimmed by MAXLEN ~, expiring after the run ends) and, asynchronously, in the
 * SQL archive, which keeps the complete history. Reads go to Redis first and fall back to SQL
 * for what Redis has trimmed, expired or lost. Live events reach this process's subscribers at
 * once (local appends) and through one multiplexed XREAD reader (appends of other processes).
 *
 * A Redis outage stops nothing: appends are stored in SQL (which then also fences them), held
 * in memory and written back in order when Redis returns; past `maxHeldBytes` an append waits
 * instead of dropping anything.
 */
export class RedisEventLog implements EventLog {
  /** Every process follows every run's stream through its multiplexed reader. */
  readonly liveAcrossProcesses = true;
  readonly #options: RedisEventLogOptions;
  readonly #logger: Logger;
  readonly #keys: RedisKeys;
  readonly #cmd: ScriptedRedis;
  readonly #readers: StreamReader[] = [];
  readonly #readerConns: Redis[] = [];
  readonly #fanout = new LiveFanout();
  readonly #archive: EventArchive;
  readonly #writeBack: WriteBack;
  readonly #roomWaiters: Array<() => void> = [];
  readonly #localRuns: LocalRuns;
  readonly #history: RedisHistory;
  #queue: PendingAppend[] = [];
  #flushScheduled = false;
  /** Settles when the command connection is first ready, or after STARTUP_WAIT_MS: until then appends and reads wait for it. */
  #started: Promise<void>;
  #closed = false;

  constructor(options: RedisEventLogOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#keys = redisKeys(options.keyPrefix);
    const name = options.clientName ?? 'cadre';
    const cmd = connectRedis(options.url, this.#logger, { name, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    cmd.defineCommand('cadreAppend', { lua: APPEND_SCRIPT, numberOfKeys: 1 });
    cmd.defineCommand('cadreWriteBack', { lua: WRITE_BACK_SCRIPT, numberOfKeys: 1 });
    this.#cmd = cmd as ScriptedRedis;
    this.#writeBack = new WriteBack(this.#cmd, this.#keys, { maxLen: options.streamMaxLen, ttlSeconds: options.streamTtlSeconds }, this.#logger, () => this.#freed());
    // Appends and reads of the first moments wait for the connection instead of all going the outage way.
    this.#started = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STARTUP_WAIT_MS);
      timer.unref();
      cmd.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#archive = new EventArchive(options.archive, this.#logger, () => this.#freed());
    this.#history = new RedisHistory(this.#cmd, this.#keys, this.#writeBack.held, this.#archive, this.#logger);
    this.#localRuns = new LocalRuns((runId) => this.#readerOf(runId), (runId) => this.#keys.runEvents(runId));
    for (let i = 0; i < Math.max(1, options.readerConnections ?? 2); i++) {
      const conn = connectRedis(options.url, this.#logger, { name: `${name}-reader`, lazyConnect: true });
      this.#readerConns.push(conn);
      this.#readers.push(new StreamReader(conn, cmd, (err) => this.#logger.error('redis stream reader stopped', { error: err.message })));
    }
  }

  get redisReady(): boolean {
    return this.#cmd.status === 'ready';
  }

  /** Bytes of events held in memory: for write-back to Redis, and waiting for the SQL archive. */
  get heldBytes(): number {
    return this.#heldBytes();
  }

  /** Events held for write-back to Redis (stored in SQL meanwhile). */
  get heldEvents(): number {
    return this.#writeBack.held.events;
  }

  append(runId: number, events: StoredEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the event log is closed'));
    if (events.length === 0) return Promise.resolve();
    return this.#started.then(() => this.#whenRoom()).then(() => new Promise<void>((resolve, reject) => {
      this.#queue.push({ runId, events, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    }));
  }

  /** One pipeline per tick: one EVALSHA per run batch, no round trip per event. */
  #flush(): void {
    this.#flushScheduled = false;
    const group = this.#queue;
    this.#queue = [];
    if (!this.redisReady || this.#writeBack.pending) {
      for (const pending of group) this.#appendToSql(pending);
      return;
    }
    const pipeline = this.#cmd.pipeline() as ReturnType<Redis['pipeline']> & { cadreAppend(key: string, ...args: Array<string | number>): unknown };
    for (const { runId, events } of group) pipeline.cadreAppend(this.#keys.runEvents(runId), this.#options.streamMaxLen, ...scriptArgs(events));
    pipeline.exec().then(
      (results) => group.forEach((pending, i) => {
        const [err, reply] = results?.[i] ?? [new Error('no reply from redis'), null];
        if (err) return this.#redisFailed(pending, err);
        const [ok, last] = reply as [number, number];
        if (!ok) {
          // Another writer got there first: its events reach this process's subscribers through Redis.
          this.#localRuns.stopped(pending.runId);
          return pending.reject(new SequenceConflictError(pending.runId, `run ${pending.runId}: the batch's sequences are not above the run's last stored event (${last})`));
        }
        this.#archive.enqueue(pending.runId, pending.events);
        this.#localRuns.wrote(pending.runId, pending.events[pending.events.length - 1]!.sequence);
        this.#fanout.publish(pending.runId, pending.events);
        pending.resolve();
      }),
      (err: unknown) => group.forEach((pending) => this.#redisFailed(pending, err)),
    );
  }

  /** Redis did not take the batch (down, or its answer was lost: the write-back script skips what it has). */
  #redisFailed(pending: PendingAppend, err: unknown): void {
    this.#logger.warn('redis refused an append; the batch goes to SQL and is held for write-back', { run_id: pending.runId, error: String(err) });
    this.#appendToSql(pending);
  }

  /** SQL is the primary store while Redis is down: it fences the batch, then the batch is held for Redis. */
  #appendToSql(pending: PendingAppend): void {
    this.#archive.write(pending.runId, pending.events).then(() => {
      this.#writeBack.hold(pending.runId, pending.events);
      this.#localRuns.wrote(pending.runId, pending.events[pending.events.length - 1]!.sequence);
      this.#fanout.publish(pending.runId, pending.events);
      pending.resolve();
    }, (err: unknown) => {
      if (err instanceof SequenceConflictError) this.#localRuns.stopped(pending.runId);
      pending.reject(err);
    });
  }

  #readerOf(runId: number): StreamReader {
    return this.#readers[runId % this.#readers.length]!;
  }

  #heldBytes(): number {
    return this.#writeBack.held.bytes + this.#archive.pendingBytes;
  }

  /** Resolves when the held events leave room (at once when nothing is held: one large batch still goes). */
  async #whenRoom(): Promise<void> {
    while (this.#heldBytes() > 0 && this.#heldBytes() >= this.#options.maxHeldBytes && !this.#closed) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
  }

  #freed(): void {
    if (this.#heldBytes() >= this.#options.maxHeldBytes) return;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  async last(runId: number): Promise<StoredEvent | undefined> {
    await this.#started;
    return this.#history.last(runId);
  }

  async read(runId: number, range: ReadRange = {}): Promise<StoredEvent[]> {
    await this.#started;
    return this.#history.read(runId, range);
  }

  subscribe(runId: number, afterSequence: number, handlers: SubscribeHandlers): Subscription {
    const key = this.#keys.runEvents(runId);
    const reader = this.#readerOf(runId);
    return subscribeWithHistory(
      afterSequence,
      handlers,
      (listener, gone) => {
        const offLocal = this.#fanout.add(runId, listener, gone);
        const offRemote = reader.follow(key, afterSequence, listener);
        return () => {
          offLocal();
          offRemote();
        };
      },
      (after, limit) => this.read(runId, { from: after + 1, limit }),
    );
  }

  async markEnded(runId: number): Promise<void> {
    this.#localRuns.stopped(runId);
    if (this.redisReady && !this.#writeBack.held.has(runId)) {
      try {
        await this.#cmd.expire(this.#keys.runEvents(runId), this.#options.streamTtlSeconds);
        return;
      } catch (err) {
        this.#logger.warn('could not set the TTL of an ended run\'s stream; it is set when redis answers again', { run_id: runId, error: String(err) });
      }
    }
    this.#writeBack.expireLater(runId);
  }

  /**
   * The runs' streams (UNLINK: Redis frees them in the background) and their SQL archive, after
   * what this process still had queued for them. Redis down or refusing: the streams are left to
   * their TTL (set when each run ended) and that is logged; SQL failing rejects (retry).
   */
  async deleteRuns(runIds: readonly number[]): Promise<void> {
    if (runIds.length === 0) return;
    for (const runId of runIds) this.#localRuns.stopped(runId);
    await this.#writeBack.forget(runIds);
    if (!(await this.#archive.idle(runIds, Date.now() + ARCHIVE_IDLE_WAIT_MS))) {
      this.#logger.warn('deleting runs whose events are still on their way to the SQL archive; those may stay behind', { run_ids: runIds.join(',') });
    }
    // Redis down (or failing): the streams expire with their TTL, SQL is what must go now.
    const unlinked = this.redisReady ? await this.#cmd.unlink(...runIds.map((runId) => this.#keys.runEvents(runId))).then(() => null, String) : `redis is ${this.#cmd.status}`;
    if (unlinked !== null) this.#logger.warn('could not delete the redis streams of deleted runs; they expire with their TTL', { runs: runIds.length, error: unlinked });
    await this.#options.archive.deleteRuns(runIds);
    for (const runId of runIds) this.#fanout.end(runId, new Error(`run ${runId} was deleted`));
  }

  subscriberCount(): number {
    return this.#fanout.count();
  }

  async health(): Promise<EventLogHealth> {
    const held = `${this.#writeBack.held.events} events held for write-back, ${this.#archive.pendingEvents} awaiting the SQL archive`;
    if (!this.redisReady) return { ok: false, serving: true, detail: `redis down (${this.#cmd.status}): events go to SQL; ${held}` };
    try {
      await this.#cmd.ping();
      return { ok: true, serving: true, detail: `redis ready; ${held}` };
    } catch (err) {
      return { ok: false, serving: true, detail: `redis not answering (${String(err)}): events go to SQL; ${held}` };
    }
  }

  /**
   * Appends already made are stored first; the SQL archive gets up to 10 s to take what is
   * queued (what it could not is logged as an error); then the connections close.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#localRuns.close();
    for (const wake of this.#roomWaiters.splice(0)) wake();
    if (this.#flushScheduled) await new Promise<void>((resolve) => setImmediate(resolve));
    await this.#writeBack.close();
    const left = await this.#archive.drain(Date.now() + 10_000);
    if (left > 0) this.#logger.error('closing with events the SQL archive has not taken yet', { events: left });
    if (this.#writeBack.held.events > 0) this.#logger.warn('closing with events not written back to redis (they are in SQL)', { events: this.#writeBack.held.events });
    for (const reader of this.#readers) reader.close();
    for (const conn of [this.#cmd, ...this.#readerConns]) disconnectRedis(conn);
  }
}
