import test from 'ava';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { events, freshRunId } from './suites/event-log-suite.ts';
import { SqlEventLog } from '../src/store/sql-event-log.ts';
import { SequenceConflictError } from '../src/events/sequence-conflict-error.ts';
import type { SqliteWriterThread } from '../src/store/sqlite-writer-thread.ts';

/** What the writer thread adds to the SQL event log on a SQLite file (the contract: event-log.sql-sqlite). */

let db: TestDatabase;
let file: string;
test.before(async () => {
  db = await createTestDatabase('sqlite');
  if (db.config.driver !== 'libsql') throw new Error('a SQLite test database was expected');
  file = db.config.dbName;
});
test.after.always(async () => {
  await db?.drop();
});

/** A log of the test's own (its thread is the test's to crash or close), closed after it. */
function openLog(t: { teardown(fn: () => Promise<void>): void }): { log: SqlEventLog; thread: SqliteWriterThread } {
  const log = new SqlEventLog(db.store.orm);
  t.teardown(() => log.close());
  const thread = log.writerThread;
  if (!thread) throw new Error('a SQLite file should be written by a writer thread');
  return { log, thread };
}

/** Resolves on the first turn of the event loop where `check` holds (no timers involved). */
const waitFor = (check: () => boolean) => new Promise<void>((resolve) => {
  const poll = () => (check() ? resolve() : setImmediate(poll));
  poll();
});

test.serial('appends complete, in order, while the main thread is blocked', async (t) => {
  const { log, thread } = openLog(t);
  const runs = [freshRunId(), freshRunId(), freshRunId()];
  const first = runs.map((run) => log.append(run, events(run, 1, 100)));
  await waitFor(() => thread.inFlight > 0);
  // From here the main thread never yields until another connection sees the group committed:
  // only the writer thread can have stored it.
  const probe = new Database(file);
  const count = probe.prepare(`select count(*) as n from execution_event where run_id in (${runs.join(', ')})`);
  const deadline = Date.now() + 60_000;
  let stored = 0;
  while (stored < 300 && Date.now() < deadline) stored = (count.get() as { n: number }).n;
  probe.close();
  t.is(stored, 300);
  await Promise.all(first);
  await Promise.all(runs.map((run) => log.append(run, events(run, 101, 150))));
  for (const run of runs) t.deepEqual((await log.read(run)).map((e) => e.sequence), Array.from({ length: 150 }, (_, i) => i + 1));
});

test('a failing batch keeps its meaning across the thread: a duplicate sequence is a SequenceConflictError', async (t) => {
  const { log } = openLog(t);
  const [run, other] = [freshRunId(), freshRunId()];
  await log.append(run, events(run, 1, 2));
  const [duplicate, stored] = await Promise.allSettled([log.append(run, events(run, 2, 3)), log.append(other, events(other, 1, 1))]);
  t.is(stored.status, 'fulfilled');
  t.true(duplicate.status === 'rejected' && duplicate.reason instanceof SequenceConflictError, String((duplicate as PromiseRejectedResult).reason));
  t.deepEqual((await log.read(run)).map((e) => e.sequence), [1, 2]);
});

test.serial('a crashed writer thread rejects the appends it had in flight; the next append starts a fresh thread', async (t) => {
  const { log, thread } = openLog(t);
  const run = freshRunId();
  // Another connection holds the write lock, so the thread is certainly still on the group when it dies.
  const locker = new Database(file);
  locker.exec('pragma busy_timeout = 5000');
  locker.exec('begin immediate');
  let terminated: Promise<void> | undefined;
  try {
    const pending = log.append(run, events(run, 1, 5));
    await waitFor(() => thread.inFlight > 0);
    terminated = thread.terminate();
    locker.exec('rollback');
    await t.throwsAsync(pending, { message: /SQLite writer thread exited/ });
  } finally {
    if (locker.inTransaction) locker.exec('rollback');
    locker.close();
    await terminated;
  }
  t.false(thread.running);
  t.is(thread.inFlight, 0);
  await log.append(run, events(run, 1, 5));
  t.true(thread.running);
  t.deepEqual((await log.read(run)).map((e) => e.sequence), [1, 2, 3, 4, 5]);
});

test('close() stores what was appended, ends the thread and refuses later appends', async (t) => {
  const log = new SqlEventLog(db.store.orm);
  const thread = log.writerThread!;
  const run = freshRunId();
  const appended = log.append(run, events(run, 1, 10));
  await log.close();
  await appended;
  t.false(thread.running);
  await t.throwsAsync(log.append(run, events(run, 11, 11)), { message: /closed/ });
  t.deepEqual((await log.read(run)).map((e) => e.sequence), Array.from({ length: 10 }, (_, i) => i + 1));
});

test('an idle writer thread does not keep the process alive', async (t) => {
  const base = join(tmpdir(), uniqueName('cadre_writer_exit'));
  const [dbFile, scriptFile] = [`${base}.sqlite`, `${base}.ts`];
  t.teardown(() => Promise.all(['.ts', '.sqlite', '.sqlite-wal', '.sqlite-shm'].map((s) => rm(base + s, { force: true }))).then(() => {}));
  const src = (path: string) => JSON.stringify(new URL(`../src/${path}`, import.meta.url).href);
  // The child appends through the writer thread, then closes the store but deliberately not the log.
  await writeFile(scriptFile, `
    import { initORM } from ${src('store/init-orm.ts')};
    import { SqlEventLog } from ${src('store/sql-event-log.ts')};
    import { toStoredEvent } from ${src('events/run-event.ts')};
    const orm = await initORM({ database: { driver: 'libsql', dbName: ${JSON.stringify(dbFile)} } });
    const log = new SqlEventLog(orm);
    await log.append(1, [toStoredEvent({ run_id: 1, timestamp: new Date().toISOString(), sequence: 1, source: null, event: { category: 'llm', action: 'stream' }, data: {} })]);
    console.log(log.writerThread?.running ? 'appended through the thread' : 'no thread');
    await orm.close(true);
  `);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // The timeout only turns a hang into a failure; it asserts nothing about speed.
    execFile(process.execPath, [scriptFile], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
  t.is(code, 0, stderr);
  t.is(stdout.trim(), 'appended through the thread');
});

test('a writer thread that cannot open the database rejects the append with why, instead of hanging', async (t) => {
  const own = await createTestDatabase('sqlite');
  t.teardown(() => own.drop());
  const log = new SqlEventLog(own.store.orm);
  t.teardown(() => log.close());
  // The ORM's connection keeps the unlinked file; a new connection finds no file to open.
  await rm(own.config.dbName);
  const run = freshRunId();
  const err = await t.throwsAsync(log.append(run, events(run, 1, 1)), { message: /SQLite writer thread exited/ });
  t.truthy((err?.cause as Error | undefined)?.message, 'the thread\'s own error is the cause');
});

test('a group of many runs and odd batch sizes is stored whole and in order (statements cut into power-of-two pieces)', async (t) => {
  const { log } = openLog(t);
  // 37 runs (the last-sequence query pads to 64), batches of 1 to 700 rows: pieces of 256 and down to 1.
  const sizes = Array.from({ length: 37 }, (_, i) => [1, 3, 193, 255, 256, 257, 700][i % 7]!);
  const runs = sizes.map(() => freshRunId());
  await Promise.all(runs.map((run, i) => log.append(run, events(run, 1, sizes[i]!))));
  await Promise.all(runs.map((run, i) => log.append(run, events(run, sizes[i]! + 1, sizes[i]! + 5))));
  for (const [i, run] of runs.entries()) {
    const stored = await log.read(run);
    t.true(stored.length > 0);
    t.deepEqual(stored.map((e) => e.sequence), Array.from({ length: sizes[i]! + 5 }, (_, k) => k + 1));
  }
  // A batch at or below a run's last stored sequence is still refused in such a group.
  await t.throwsAsync(log.append(runs[2]!, events(runs[2]!, sizes[2]!, sizes[2]! + 1)), { instanceOf: SequenceConflictError });
});
