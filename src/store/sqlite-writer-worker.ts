/**
 * The SQLite writer thread of the embedded event log (started by sqlite-writer-thread.ts):
 * its own connection to the database file stores each tick's group of rows, so the main
 * thread never blocks in SQLite for an append.
 *
 * It uses `libsql`, the same native library as the ORM's connection: one SQLite library per
 * process shares its table of open files and POSIX locks across threads, whereas a second copy
 * (e.g. node:sqlite) opening the same file could drop the other's locks and corrupt it.
 */
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'libsql';
import { COLUMNS_PER_ROW, insertChunks, insertLimits } from './event-insert-chunks.ts';
import {
  toWireError, type DeleteReply, type DeleteRequest, type GroupReply, type GroupRequest, type StatementReply, type StatementRequest, type WriterThreadOptions,
} from './sqlite-writer-protocol.ts';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker.ts runs only as a worker thread');
const options = workerData as WriterThreadOptions;
const limits = insertLimits('sqlite');

// journal_mode=WAL is a property of the file (initORM set it); the rest is per connection.
// A write lock held by the ORM's connection (run rows) is waited for here, off the main thread.
// libsql ignores `fileMustExist`: opening a missing file would create an empty database.
if (!existsSync(options.file)) throw new Error(`the database file ${options.file} does not exist`);
const db = new Database(options.file);
db.exec(`pragma busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs))}`);
db.exec('pragma synchronous = normal');

/** Set when a transaction could not be rolled back. */
let broken = false;

/**
 * Statements are prepared once per shape and kept: preparing a multi-row INSERT costs more than
 * running it. So every INSERT has one of a few shapes, a power-of-two row count up to
 * MAX_INSERT_ROWS (a chunk of 193 rows is 128 + 64 + 1), and the cache never evicts under load:
 * a group's sizes vary from tick to tick, and a cache keyed by exact sizes prepared ~2
 * statements per group (185 INSERT prepares for 282 groups at 100 concurrent runs).
 */
const MAX_INSERT_ROWS = 256;
const MAX_CACHED_STATEMENTS = 16;
const statements = new Map<number, Database.Statement>();

function cached(cache: Map<number, Database.Statement>, key: number, sql: () => string): Database.Statement {
  let statement = cache.get(key);
  if (statement) return statement;
  statement = db.prepare(sql());
  if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value as number);
  cache.set(key, statement);
  return statement;
}

function insertStatement(rows: number): Database.Statement {
  return cached(statements, rows, () =>
    `insert into execution_event (run_id, sequence, category, action, payload, created_at) values ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`);
}

/** The largest power of two ≤ n (n ≥ 1), capped at MAX_INSERT_ROWS: the next piece of a chunk. */
function insertPiece(n: number): number {
  return Math.min(MAX_INSERT_ROWS, 2 ** Math.floor(Math.log2(n)));
}

/**
 * Each run's last stored sequence, for the runs of `batches` (indexes into the request): one
 * statement for any number of runs (their ids as one JSON array), and per run the index's last
 * entry — `max(sequence) … where run_id in (…) group by run_id` walked every stored event of
 * every run in the group, so each group cost more the longer its runs were (4.8 ms against
 * 0.11 ms for 100 runs of 1,000 events).
 */
let lastStatement: Database.Statement | null = null;
function lastSequences(req: GroupRequest, batches: readonly number[]): Map<number, number> {
  lastStatement ??= db.prepare('select r.value as run_id, (select max(e.sequence) from execution_event e where e.run_id = r.value) as last from json_each(?) r');
  const runs = [...new Set(batches.map((b) => req.runIds[b]!))];
  const rows = lastStatement.all(JSON.stringify(runs)) as Array<{ run_id: number; last: number | null }>;
  return new Map(rows.flatMap((r) => (r.last === null ? [] : [[Number(r.run_id), Number(r.last)] as const])));
}

/**
 * Inserts the rows of `batches` (consecutive batch indexes, rows [from, to)) in one transaction:
 * one statement per chunk, across the batches of every run in the range. `runIds` holds each
 * row's run. A batch not above its run's last stored sequence fails the transaction with a
 * SequenceConflictError (by name: it crosses the thread boundary as a WireError).
 */
function insertRows(req: GroupRequest, runIds: number[], batches: readonly number[], offsets: readonly number[], from: number, to: number): void {
  db.exec('begin immediate');
  try {
    const lasts = lastSequences(req, batches);
    for (const b of batches) {
      if (req.counts[b]! > 0 && req.sequences[offsets[b]!]! <= (lasts.get(req.runIds[b]!) ?? 0)) {
        const err = new Error(`run ${req.runIds[b]}: the batch's sequences are not above the run's last stored event`);
        err.name = 'SequenceConflictError';
        throw err;
      }
    }
    for (const [chunkStart, chunkEnd] of insertChunks(from, to, (i) => req.payloads[i].length, limits)) {
      for (let start = chunkStart, rows = 0; start < chunkEnd; start += rows) {
        rows = insertPiece(chunkEnd - start);
        const params = new Array<unknown>(rows * COLUMNS_PER_ROW);
        let p = 0;
        for (let i = start; i < start + rows; i++) {
          params[p++] = runIds[i];
          params[p++] = req.sequences[i];
          params[p++] = req.categories[i];
          params[p++] = req.actions[i];
          params[p++] = req.payloads[i];
          params[p++] = req.createdAt;
        }
        insertStatement(rows).run(params);
      }
    }
    db.exec('commit');
  } catch (err) {
    // A failed statement may or may not have ended the transaction already.
    try {
      if (db.inTransaction) db.exec('rollback');
    } catch (rollbackErr) {
      // The connection's state is unknown: answer this group, then end the thread (below) so
      // the next group gets a fresh connection instead of failing on a stuck transaction.
      broken = true;
      throw new Error(`${(err as Error).message}; then the rollback failed: ${(rollbackErr as Error).message}`, { cause: err });
    }
    throw err;
  }
}

function handleGroup(req: GroupRequest): GroupReply {
  const runIds: number[] = new Array(req.sequences.length);
  const offsets: number[] = [];
  let row = 0;
  req.counts.forEach((count, b) => {
    offsets.push(row);
    for (const end = row + count; row < end; row++) runIds[row] = req.runIds[b];
  });
  try {
    insertRows(req, runIds, req.counts.map((_, b) => b), offsets, 0, row);
    return { type: 'group', id: req.id, errors: req.counts.map(() => null) };
  } catch (err) {
    if (req.counts.length === 1 || broken) return { type: 'group', id: req.id, errors: req.counts.map(() => toWireError(err)) };
  }
  // One bad batch must not fail the other runs of the group: retry each on its own.
  const errors = req.counts.map((count, b) => {
    try {
      insertRows(req, runIds, [b], offsets, offsets[b], offsets[b] + count);
      return null;
    } catch (err) {
      return toWireError(err);
    }
  });
  return { type: 'group', id: req.id, errors };
}

/**
 * One transaction per request (the caller sends small batches of runs); then the pages freed are
 * returned to the file system when the database uses incremental auto-vacuum (a no-op otherwise).
 */
function handleDelete(req: DeleteRequest): DeleteReply {
  try {
    db.exec('begin immediate');
    let deleted = 0;
    try {
      const placeholders = req.runIds.map(() => '?').join(', ');
      deleted = db.prepare(`delete from execution_event where run_id in (${placeholders})`).run(req.runIds).changes;
      db.exec('commit');
    } catch (err) {
      if (db.inTransaction) db.exec('rollback');
      throw err;
    }
    db.exec('pragma incremental_vacuum');
    return { type: 'delete', id: req.id, deleted, error: null };
  } catch (err) {
    return { type: 'delete', id: req.id, deleted: 0, error: toWireError(err) };
  }
}

/** Statements of other stores, prepared once each (a handful of fixed SQL texts). */
const foreign = new Map<string, Database.Statement>();

function handleStatement(req: StatementRequest): StatementReply {
  try {
    let statement = foreign.get(req.sql);
    if (!statement) {
      statement = db.prepare(req.sql);
      if (foreign.size < MAX_CACHED_STATEMENTS) foreign.set(req.sql, statement);
    }
    return { type: 'statement', id: req.id, changes: statement.run(req.params).changes, error: null };
  } catch (err) {
    return { type: 'statement', id: req.id, changes: 0, error: toWireError(err) };
  }
}

port.on('message', (message: GroupRequest | DeleteRequest | StatementRequest | { type: 'close' }) => {
  if (message.type === 'close') {
    // Messages are handled in order, so every group sent before this one is answered already.
    db.close();
    port.close();
    return;
  }
  if (message.type === 'delete') {
    port.postMessage(handleDelete(message));
    return;
  }
  if (message.type === 'statement') {
    port.postMessage(handleStatement(message));
    return;
  }
  port.postMessage(handleGroup(message));
  // Messages posted before the exit are delivered before the main thread sees the 'exit'.
  if (broken) process.exit(1);
});
