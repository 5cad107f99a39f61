import { setTimeout as delay } from 'node:timers/promises';
import type { EventLog, ReadRange } from '../../events/event-log.ts';
import { jsonBytes } from '../../events/subscribe-with-history.ts';
import type { StoredEvent } from '../../events/run-event.ts';
import { SequenceConflictError } from '../../events/sequence-conflict-error.ts';
import type { Logger } from '../../logging/logger.ts';

interface Item {
  events: StoredEvent[];
  /** Set for a write the caller awaits (SQL is then the primary store); unset: archive only. */
  settle?: { resolve(): void; reject(err: unknown): void };
}

interface RunQueue {
  items: Item[];
  writing: boolean;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * The SQL copy of the Redis event log (the complete history, whatever Redis trims or loses).
 * Writes go out per run strictly in order, one in flight per run; while one is in flight the
 * run's next archive batches gather and go as one. Across runs the SQL log group-commits what
 * arrives in one tick. An archive-only batch (Redis accepted it) is retried until stored, with
 * every failure logged as an error: it is never dropped silently. A primary write (Redis was
 * down) is tried once and its outcome goes to the caller, after the run's earlier batches.
 */
export class EventArchive {
  readonly #sql: EventLog;
  readonly #logger: Logger;
  readonly #runs = new Map<number, RunQueue>();
  readonly #onFreed: () => void;
  #bytes = 0;
  #events = 0;

  /** `onFreed` is called whenever queued events have left memory (room for held appends). */
  constructor(sql: EventLog, logger: Logger, onFreed: () => void) {
    this.#sql = sql;
    this.#logger = logger;
    this.#onFreed = onFreed;
  }

  /** Bytes of JSON waiting for SQL. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  get pendingEvents(): number {
    return this.#events;
  }

  /** Archives a batch Redis accepted, in the background. */
  enqueue(runId: number, events: StoredEvent[]): void {
    this.#push(runId, { events });
  }

  /** Stores a batch in SQL after the run's earlier batches; rejects as the SQL log does (SequenceConflictError…). */
  write(runId: number, events: StoredEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#push(runId, { events, settle: { resolve, reject } }));
  }

  /**
   * The run's events in `range` from SQL and from what is still queued for it: together they
   * hold every event this process stored, whatever Redis has kept.
   */
  async read(runId: number, range: ReadRange): Promise<StoredEvent[]> {
    // Queued events first: one that reaches SQL meanwhile is then in one of the two, maybe both.
    const from = range.from ?? 1;
    const to = range.to ?? Number.POSITIVE_INFINITY;
    const queued = (this.#runs.get(runId)?.items ?? []).flatMap((item) => item.events.filter((e) => e.sequence >= from && e.sequence <= to));
    const stored = await this.#sql.read(runId, range);
    return mergeBySequence(stored, queued, range.limit);
  }

  /**
   * Resolves once nothing of the runs is queued for SQL any more (true), or when `deadline`
   * passes (false): a run's events still on their way would land after its deletion.
   */
  async idle(runIds: readonly number[], deadline: number): Promise<boolean> {
    const busy = () => runIds.some((runId) => this.#runs.has(runId));
    while (busy() && Date.now() < deadline) await delay(20);
    return !busy();
  }

  /** Resolves once everything queued so far is in SQL, or when `deadline` passes (returns what is left). */
  async drain(deadline: number): Promise<number> {
    while (this.#events > 0 && Date.now() < deadline) await delay(20);
    return this.#events;
  }

  #push(runId: number, item: Item): void {
    let queue = this.#runs.get(runId);
    if (!queue) this.#runs.set(runId, (queue = { items: [], writing: false }));
    queue.items.push(item);
    for (const e of item.events) this.#bytes += jsonBytes(e);
    this.#events += item.events.length;
    if (!queue.writing) {
      queue.writing = true;
      this.#writeLoop(runId, queue).catch((err: unknown) => {
        // #writeLoop handles every store error itself; reaching here is a bug, said loudly.
        this.#logger.error('event archive loop failed', { run_id: runId, error: String(err) });
      });
    }
  }

  async #writeLoop(runId: number, queue: RunQueue): Promise<void> {
    let failures = 0;
    while (queue.items.length > 0) {
      const head = queue.items[0]!;
      // Consecutive archive-only batches go as one append.
      let count = 1;
      if (!head.settle) while (count < queue.items.length && !queue.items[count]!.settle) count++;
      const events = count === 1 ? head.events : queue.items.slice(0, count).flatMap((i) => i.events);
      try {
        await this.#sql.append(runId, events);
        failures = 0;
        this.#done(queue, count);
        head.settle?.resolve();
      } catch (err) {
        if (head.settle) {
          this.#done(queue, 1);
          head.settle.reject(err);
          continue;
        }
        if (err instanceof SequenceConflictError) {
          await this.#resolveConflict(runId, queue, count, err);
          continue;
        }
        failures++;
        this.#logger.error('the SQL archive refused events Redis accepted; retrying', {
          run_id: runId, events: events.length, first_sequence: events[0]?.sequence, attempt: failures, error: String(err),
        });
        await delay(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures - 1, 10)));
      }
    }
    queue.writing = false;
    if (this.#runs.get(runId) === queue) this.#runs.delete(runId);
  }

  /**
   * SQL already holds sequences of an archive batch: an earlier attempt committed although its
   * answer was lost, or another writer of the run got there first. Only events above SQL's last
   * are still archived; anything else is reported, never dropped without a word.
   */
  async #resolveConflict(runId: number, queue: RunQueue, count: number, err: SequenceConflictError): Promise<void> {
    let last: number;
    try {
      last = (await this.#sql.last(runId))?.sequence ?? 0;
    } catch (readErr) {
      this.#logger.error('the SQL archive refused a batch and its last sequence cannot be read; retrying', { run_id: runId, error: String(readErr) });
      await delay(RETRY_MAX_MS);
      return;
    }
    const items = queue.items.slice(0, count);
    const skipped = items.flatMap((i) => i.events).filter((e) => e.sequence <= last);
    if (skipped.length > 0) {
      this.#logger.error('the SQL archive already holds sequences of events Redis accepted; those are not archived again', {
        run_id: runId, skipped: skipped.length, first_skipped: skipped[0]!.sequence, sql_last: last, error: err.message,
      });
    }
    for (const item of items) {
      const kept = item.events.filter((e) => e.sequence > last);
      for (const e of item.events) if (e.sequence <= last) this.#bytes -= jsonBytes(e);
      this.#events -= item.events.length - kept.length;
      item.events = kept;
    }
    while (queue.items.length > 0 && queue.items[0]!.events.length === 0 && !queue.items[0]!.settle) queue.items.shift();
    this.#onFreed();
  }

  #done(queue: RunQueue, count: number): void {
    for (const item of queue.items.splice(0, count)) {
      for (const e of item.events) this.#bytes -= jsonBytes(e);
      this.#events -= item.events.length;
    }
    this.#onFreed();
  }
}

/** `a` and `b` merged in sequence order, each sequence once, at most `limit` events. */
export function mergeBySequence(a: StoredEvent[], b: StoredEvent[], limit?: number): StoredEvent[] {
  let out: StoredEvent[];
  if (b.length === 0) out = a;
  else if (a.length === 0) out = b;
  else {
    const bySeq = new Map<number, StoredEvent>();
    for (const e of a) bySeq.set(e.sequence, e);
    for (const e of b) if (!bySeq.has(e.sequence)) bySeq.set(e.sequence, e);
    out = [...bySeq.values()].sort((x, y) => x.sequence - y.sequence);
  }
  return limit !== undefined && out.length > limit ? out.slice(0, limit) : out;
}
