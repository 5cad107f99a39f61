import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import type { AppendBatch, GroupWriter } from './event-group-writer.ts';
import {
  fromWireError, type DeleteReply, type DeleteRequest, type GroupReply, type GroupRequest, type StatementReply, type StatementRequest, type WriterThreadOptions,
} from './sqlite-writer-protocol.ts';

type Reply = GroupReply | DeleteReply | StatementReply;

interface InFlight {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

export interface WriterThreadHooks {
  /** `created_at` in the column's stored form (the ORM platform decides it). */
  createdAt(): number | string;
  /** Makes a driver error the ORM's typed exception (unique violation…). */
  convertError(err: Error): Error;
}

/**
 * Hands each group to the SQLite writer thread (sqlite-writer-worker.ts) and answers when it
 * has committed, so the main thread spends no time in SQLite on appends.
 *
 * A thread that dies (a crash, or terminate()) rejects every group it had not answered, with
 * why it died: those appends fail, they never hang. The next group starts a fresh thread, so a
 * crash costs the groups in flight (which the runs' writers retry) and not the process. If the
 * thread died after a commit but before answering, the retry meets its own rows as a unique
 * violation and the run reports those events lost although they are stored.
 *
 * The thread keeps the process alive only while a group is in flight; close() ends it.
 */
export class SqliteWriterThread implements GroupWriter {
  readonly #options: WriterThreadOptions;
  readonly #hooks: WriterThreadHooks;
  readonly #inFlight = new Map<number, InFlight>();
  #worker: Worker | null = null;
  #nextId = 1;
  #closed = false;

  constructor(options: WriterThreadOptions, hooks: WriterThreadHooks) {
    this.#options = options;
    this.#hooks = hooks;
  }

  /** Whether a thread is up (one starts with the first group after start-up or a crash). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Groups sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  write(group: readonly AppendBatch[]): Promise<Array<Error | undefined>> {
    if (this.#closed) return Promise.reject(new Error('the event log is closed'));
    const worker = this.#worker ?? this.#start();
    const request: GroupRequest = {
      type: 'group', id: this.#nextId++, createdAt: this.#hooks.createdAt(),
      runIds: [], counts: [], sequences: [], categories: [], actions: [], payloads: [],
    };
    for (const { runId, events } of group) {
      request.runIds.push(runId);
      request.counts.push(events.length);
      for (const e of events) {
        request.sequences.push(e.sequence);
        request.categories.push(e.category);
        request.actions.push(e.action);
        request.payloads.push(e.json);
      }
    }
    return this.#send<GroupReply>(worker, request).then((reply) => reply.errors.map((e) => (e ? this.#hooks.convertError(fromWireError(e)) : undefined)));
  }

  /** Deletes the runs' events on the thread, after the groups sent before; resolves with the rows deleted. */
  async deleteRuns(runIds: readonly number[]): Promise<number> {
    if (this.#closed) throw new Error('the event log is closed');
    if (runIds.length === 0) return 0;
    const worker = this.#worker ?? this.#start();
    const reply = await this.#send<DeleteReply>(worker, { type: 'delete', id: this.#nextId++, runIds: [...runIds] });
    if (reply.error) throw this.#hooks.convertError(fromWireError(reply.error));
    return reply.deleted;
  }

  /** Runs one statement of another store on the thread, after the groups sent before it; resolves with the rows changed. */
  async run(sql: string, params: unknown[]): Promise<number> {
    if (this.#closed) throw new Error('the event log is closed');
    const worker = this.#worker ?? this.#start();
    const reply = await this.#send<StatementReply>(worker, { type: 'statement', id: this.#nextId++, sql, params });
    if (reply.error) throw this.#hooks.convertError(fromWireError(reply.error));
    return reply.changes;
  }

  #send<R extends Reply>(worker: Worker, request: GroupRequest | DeleteRequest | StatementRequest): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#inFlight.set(request.id, { resolve: resolve as (reply: Reply) => void, reject });
      worker.ref();
      worker.postMessage(request);
    });
  }

  #start(): Worker {
    const worker = new Worker(new URL('./sqlite-writer-worker.ts', import.meta.url), { workerData: this.#options });
    let failure: Error | undefined;
    worker.on('message', (reply: Reply) => {
      const pending = this.#inFlight.get(reply.id);
      if (!pending) return;
      this.#inFlight.delete(reply.id);
      if (this.#inFlight.size === 0) worker.unref();
      pending.resolve(reply);
    });
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = null;
      // Every group this thread was sent and did not answer: it will never answer now.
      if (this.#inFlight.size === 0) return;
      const reason = new Error(
        `the SQLite writer thread exited (code ${code})${failure ? `: ${failure.message}` : ''} before answering ${this.#inFlight.size} group(s)`,
        { cause: failure },
      );
      const lost = [...this.#inFlight.values()];
      this.#inFlight.clear();
      for (const pending of lost) pending.reject(reason);
    });
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /**
   * Stops the thread at once, as a crash would (for tests of the crash path): groups in flight
   * are rejected, the next write starts a fresh thread.
   */
  async terminate(): Promise<void> {
    await this.#worker?.terminate();
  }

  /** Answers of groups in flight are waited for; then the thread closes its connection and exits. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (!worker) return;
    worker.ref();
    const exited = once(worker, 'exit');
    worker.postMessage({ type: 'close' });
    await exited;
  }
}
