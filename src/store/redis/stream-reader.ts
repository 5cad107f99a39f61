import type { Redis } from 'ioredis';
import type { EventCategory, StoredEvent } from '../../events/run-event.ts';
import { entryId, sequenceOf } from './redis-keys.ts';

type Listener = (events: StoredEvent[]) => void;

/** How long one XREAD waits for new entries before it is re-issued (also bounds a missed unblock). */
const BLOCK_MS = 1_000;
/** Entries per stream per XREAD. */
const COUNT = 500;

interface Followed {
  listeners: Set<Listener>;
  /** The last entry id delivered (or known stored before the first listener came). */
  cursor: string;
  /** While the stream's last entry is being fetched the key is not read. */
  fetching: boolean;
  /** The cursor is the subscribers' start, not the stream's tail (Redis was down when it was fetched). */
  fromAfter: boolean;
}

export type RawEntry = [id: string, fields: string[]];

/** A stream entry as the event log stores it (fields c, a, j: see redis-keys.ts). */
export function storedEventOf([id, fields]: RawEntry): StoredEvent {
  let category = '';
  let action = '';
  let json = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 'c': category = value; break;
      case 'a': action = value; break;
      case 'j': json = value; break;
    }
  }
  const sequence = sequenceOf(id);
  return { id: String(sequence), sequence, category: category as EventCategory, action, json };
}

/**
 * One blocking connection that follows many streams: `XREAD BLOCK … STREAMS k1 k2 … id1 id2 …`
 * over every key a subscriber of this process follows, re-issued when it returns (or when the
 * key set grows: the command connection sends CLIENT UNBLOCK). Each key's entries are handed
 * to its listeners as one array, so however many subscribers follow a run the entries are read
 * and parsed once.
 *
 * A key's cursor starts at the stream's last entry when it is first followed, fetched on the
 * command connection before the subscriber's history read (same connection, so Redis answers
 * them in that order): every entry stored later is delivered here, every earlier one is in the
 * history. Subscribers drop by sequence what they get twice.
 */
export class StreamReader {
  readonly #conn: Redis;
  readonly #cmd: Redis;
  readonly #followed = new Map<string, Followed>();
  /** Streams this process writes now (key → last sequence it appended): their events reach local subscribers directly. */
  readonly #local = new Map<string, number>();
  readonly #onError: (err: Error) => void;
  #clientId: number | undefined;
  #running = false;
  #blocked = false;
  #unblockScheduled = false;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(conn: Redis, cmd: Redis, onError: (err: Error) => void) {
    this.#conn = conn;
    this.#cmd = cmd;
    this.#onError = onError;
    conn.on('ready', () => {
      this.#clientId = undefined;
      this.#wake?.();
    });
  }

  get keyCount(): number {
    return this.#followed.size;
  }

  /** Follows `key` for `listener` until the returned function is called. `after`: the subscriber's start. */
  follow(key: string, after: number, listener: Listener): () => void {
    let followed = this.#followed.get(key);
    const local = this.#local.get(key);
    if (!followed && local !== undefined) {
      // Written here: no tail to fetch; if another process takes over, reading resumes after our last.
      this.#followed.set(key, (followed = { listeners: new Set(), cursor: entryId(Math.max(after, local)), fetching: false, fromAfter: false }));
    } else if (!followed) {
      const entry: Followed = { listeners: new Set(), cursor: entryId(after), fetching: true, fromAfter: true };
      this.#followed.set(key, (followed = entry));
      // Issued now, before the subscriber's history read goes out on the same connection.
      this.#cmd.xrevrange(key, '+', '-', 'COUNT', 1).then(
        (tail) => {
          entry.fetching = false;
          if (!entry.fromAfter) return;
          entry.fromAfter = false;
          entry.cursor = tail[0] ? tail[0][0] : '0-0';
          this.#keysChanged();
        },
        () => {
          // Redis is down: read from the subscribers' start once it is back (what they have is dropped by sequence).
          entry.fetching = false;
          this.#keysChanged();
        },
      );
    } else if (followed.fromAfter && after < sequenceOf(followed.cursor)) {
      followed.cursor = entryId(after);
    }
    followed.listeners.add(listener);
    const entry = followed;
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.#followed.get(key) === entry) this.#followed.delete(key);
    };
  }

  /**
   * This process appends to `key` (up to `sequence`): it is left out of XREAD, as its local
   * subscribers get its events from the process's own fan-out; reading them back would only
   * deliver each event twice.
   */
  markLocal(key: string, sequence: number): void {
    this.#local.set(key, sequence);
  }

  /** This process no longer writes `key` (ended, quiet, or another writer won): XREAD it again after our last event. */
  unmarkLocal(key: string): void {
    const sequence = this.#local.get(key);
    if (sequence === undefined) return;
    this.#local.delete(key);
    const followed = this.#followed.get(key);
    if (!followed) return;
    if (sequenceOf(followed.cursor) < sequence) followed.cursor = entryId(sequence);
    followed.fromAfter = false;
    this.#keysChanged();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  #keysChanged(): void {
    if (!this.#running) {
      this.#running = true;
      this.#loop().catch((err: unknown) => this.#onError(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    this.#wake?.();
    if (this.#blocked && !this.#unblockScheduled && this.#clientId !== undefined) {
      this.#unblockScheduled = true;
      // One unblock per tick, however many keys were added in it.
      setImmediate(() => {
        this.#unblockScheduled = false;
        if (this.#blocked && this.#clientId !== undefined) this.#cmd.client('UNBLOCK', this.#clientId).catch(() => {
          // The XREAD returns by itself within BLOCK_MS.
        });
      });
    }
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#closed) {
        const keys = [...this.#followed.entries()].filter(([k, f]) => !f.fetching && !this.#local.has(k));
        if (keys.length === 0 || this.#conn.status !== 'ready') {
          if (this.#followed.size === 0) return;
          if (this.#conn.status === 'wait') this.#conn.connect().catch(() => { /* retried by ioredis; errors logged by the connection */ });
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
            // Wakes for a key, a connection that became ready, or close; a bounded wait otherwise.
            setTimeout(resolve, BLOCK_MS).unref();
          });
          this.#wake = undefined;
          continue;
        }
        try {
          this.#clientId ??= (await this.#conn.client('ID')) as number;
          const ids = keys.map(([, f]) => f.cursor);
          this.#blocked = true;
          const reply = (await this.#conn.xread('COUNT', COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys.map(([k]) => k), ...ids)) as Array<[string, RawEntry[]]> | null;
          this.#blocked = false;
          if (reply) this.#deliver(reply);
        } catch {
          this.#blocked = false;
          // The connection dropped (or the reply was cut): wait until it is ready again; cursors are kept.
          if (!this.#closed && this.#conn.status === 'ready') await new Promise<void>((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      this.#running = false;
      if (!this.#closed && this.#followed.size > 0) this.#keysChanged();
    }
  }

  #deliver(reply: Array<[string, RawEntry[]]>): void {
    for (const [key, entries] of reply) {
      const followed = this.#followed.get(key);
      if (!followed || entries.length === 0) continue;
      followed.cursor = entries[entries.length - 1]![0];
      followed.fromAfter = false;
      const events = entries.map(storedEventOf);
      for (const listener of followed.listeners) {
        try {
          listener(events);
        } catch (err) {
          followed.listeners.delete(listener);
          process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'SubscriberError');
        }
      }
    }
  }
}
