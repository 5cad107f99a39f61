import type { Redis } from 'ioredis';
import type { StoredEvent } from '../../events/run-event.ts';
import type { Logger } from '../../logging/logger.ts';
import { HeldEvents } from './held-events.ts';
import type { RedisKeys } from './redis-keys.ts';
import { ARGS_PER_EVENT } from './stream-scripts.ts';

/** The command connection with the log's scripts defined on it (ioredis adds them at run time). */
export type ScriptedRedis = Redis & {
  cadreAppend(key: string, ...args: Array<string | number>): Promise<[number, number]>;
  cadreWriteBack(key: string, ...args: Array<string | number>): Promise<number>;
};

const RETRY_MS = 500;

/**
 * What a Redis outage leaves to do once Redis answers again: the events stored in SQL meanwhile
 * (held in memory, per run in order) go back to their streams, and the TTLs of runs that ended
 * meanwhile are set. Starts whenever the connection becomes ready and retries until done.
 */
export class WriteBack {
  readonly held = new HeldEvents();
  readonly #cmd: ScriptedRedis;
  readonly #keys: RedisKeys;
  readonly #stream: { maxLen: number; ttlSeconds: number };
  readonly #logger: Logger;
  readonly #onFreed: () => void;
  /** Ended runs whose TTL could not be set yet. */
  readonly #expireLater = new Set<number>();
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(cmd: ScriptedRedis, keys: RedisKeys, stream: { maxLen: number; ttlSeconds: number }, logger: Logger, onFreed: () => void) {
    this.#cmd = cmd;
    this.#keys = keys;
    this.#stream = stream;
    this.#logger = logger;
    this.#onFreed = onFreed;
    cmd.on('ready', () => this.start());
  }

  /** Whether anything is held or being written back: appends must then go the SQL way, to keep order. */
  get pending(): boolean {
    return this.held.runs > 0 || this.#running !== null;
  }

  hold(runId: number, events: readonly StoredEvent[]): void {
    this.held.add(runId, events);
    this.start();
  }

  expireLater(runId: number): void {
    this.#expireLater.add(runId);
    this.start();
  }

  /**
   * Deleted runs: their held events are not written back, and once this resolves no write-back
   * in flight can still add them to a stream (so deleting the stream after it is final).
   */
  async forget(runIds: readonly number[]): Promise<void> {
    for (const runId of runIds) this.held.drop(runId);
    this.#onFreed();
    await this.#running;
  }

  start(): void {
    if (this.#running || this.#closed || this.#cmd.status !== 'ready') return;
    if (this.held.runs === 0 && this.#expireLater.size === 0) return;
    this.#running = this.#run().finally(() => {
      this.#running = null;
      if (this.held.runs > 0 || this.#expireLater.size > 0) setTimeout(() => this.start(), RETRY_MS).unref();
    });
  }

  /** Stops starting new write-backs; resolves when the one in flight is over. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      for (let runId = this.held.nextRun(); runId !== undefined && this.#cmd.status === 'ready'; runId = this.held.nextRun()) {
        const events = this.held.peek(runId);
        const ttl = this.#expireLater.has(runId) ? this.#stream.ttlSeconds : 0;
        await this.#cmd.cadreWriteBack(this.#keys.runEvents(runId), this.#stream.maxLen, ttl, ...scriptArgs(events));
        this.held.remove(runId, events.length);
        if (ttl > 0 && !this.held.has(runId)) this.#expireLater.delete(runId);
        this.#onFreed();
      }
      for (const runId of [...this.#expireLater]) {
        if (this.held.has(runId)) continue;
        await this.#cmd.expire(this.#keys.runEvents(runId), this.#stream.ttlSeconds);
        this.#expireLater.delete(runId);
      }
      if (this.held.runs === 0) this.#logger.info('redis answers again: the events held during its outage are written back');
    } catch (err) {
      this.#logger.warn('writing held events back to redis failed; retrying', { held_events: this.held.events, error: String(err) });
    }
  }
}

/** ARGV of the scripts for a batch: sequence, category, action, JSON per event (the JSON as the sink made it). */
export function scriptArgs(events: readonly StoredEvent[]): Array<string | number> {
  const args = new Array<string | number>(events.length * ARGS_PER_EVENT);
  let i = 0;
  for (const e of events) {
    args[i++] = e.sequence;
    args[i++] = e.category;
    args[i++] = e.action;
    args[i++] = e.json;
  }
  return args;
}
