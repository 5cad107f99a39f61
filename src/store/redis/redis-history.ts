import type { Redis } from 'ioredis';
import type { ReadRange } from '../../events/event-log.ts';
import type { StoredEvent } from '../../events/run-event.ts';
import { UnavailableError } from '../../errors/app-error.ts';
import type { Logger } from '../../logging/logger.ts';
import { mergeBySequence, type EventArchive } from './event-archive.ts';
import type { HeldEvents } from './held-events.ts';
import { entryId, type RedisKeys } from './redis-keys.ts';
import { storedEventOf, type RawEntry } from './stream-reader.ts';

/**
 * Reads of the Redis event log: a run's stream, completed from the SQL archive for what Redis
 * trimmed, expired or lost, and from the events held in memory during an outage.
 */
export class RedisHistory {
  readonly #cmd: Redis;
  readonly #keys: RedisKeys;
  readonly #held: HeldEvents;
  readonly #archive: EventArchive;
  readonly #logger: Logger;

  constructor(cmd: Redis, keys: RedisKeys, held: HeldEvents, archive: EventArchive, logger: Logger) {
    this.#cmd = cmd;
    this.#keys = keys;
    this.#held = held;
    this.#archive = archive;
    this.#logger = logger;
  }

  async last(runId: number): Promise<StoredEvent | undefined> {
    const held = this.#held.last(runId);
    if (held) return held;
    try {
      const tail = (await this.#cmd.xrevrange(this.#keys.runEvents(runId), '+', '-', 'COUNT', 1)) as RawEntry[];
      if (tail[0]) return storedEventOf(tail[0]);
    } catch (err) {
      this.#logger.debug('redis could not answer last(); asking SQL', { run_id: runId, error: String(err) });
    }
    const rows = await this.#readArchive(runId, {}, undefined);
    return rows.at(-1);
  }

  /**
   * Redis first: a run's stream is always a gap-free suffix of its log, so when it starts at or
   * before `from` it answers alone. What lies before it comes from SQL (and the archive queue).
   * Events held during an outage are added from memory until they are written back.
   */
  async read(runId: number, range: ReadRange = {}): Promise<StoredEvent[]> {
    const from = range.from ?? 1;
    const key = this.#keys.runEvents(runId);
    const held = this.#held.inRange(runId, from, range.to);
    let redisRows: StoredEvent[] = [];
    let first: number | undefined;
    let redisError: unknown;
    try {
      const end = range.to !== undefined ? entryId(range.to) : '+';
      const [head, rows] = await Promise.all([
        this.#cmd.xrange(key, '-', '+', 'COUNT', 1) as Promise<RawEntry[]>,
        (range.limit !== undefined ? this.#cmd.xrange(key, entryId(from), end, 'COUNT', range.limit) : this.#cmd.xrange(key, entryId(from), end)) as Promise<RawEntry[]>,
      ]);
      first = head[0] ? storedEventOf(head[0]).sequence : undefined;
      redisRows = rows.map(storedEventOf);
    } catch (err) {
      redisError = err;
    }
    if (first !== undefined && first <= from) return mergeBySequence(redisRows, held, range.limit);
    const sqlTo = first !== undefined ? Math.min(range.to ?? Number.POSITIVE_INFINITY, first - 1) : range.to;
    const fromSql = await this.#readArchive(runId, { from, ...(sqlTo !== undefined && Number.isFinite(sqlTo) && { to: sqlTo }), ...(range.limit !== undefined && { limit: range.limit }) }, redisError);
    return mergeBySequence(mergeBySequence(fromSql, redisRows), held, range.limit);
  }

  async #readArchive(runId: number, range: ReadRange, redisError: unknown): Promise<StoredEvent[]> {
    try {
      return await this.#archive.read(runId, range);
    } catch (err) {
      if (redisError === undefined) throw err;
      throw new UnavailableError(`run ${runId}'s events can be read neither from Redis (${String(redisError)}) nor from SQL (${String(err)})`, 'REDIS_UNAVAILABLE');
    }
  }
}
