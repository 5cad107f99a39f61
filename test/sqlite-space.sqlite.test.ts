import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { createTestDatabase, uniqueName } from './helpers/backends.ts';
import { events, freshRunId } from './suites/event-log-suite.ts';
import { SqlEventLog } from '../src/store/sql-event-log.ts';
import { initORM, type Orm } from '../src/store/init-orm.ts';

/** SQLite gives the space of deleted runs back (auto_vacuum = INCREMENTAL, incremental_vacuum after each delete). */

async function pragma(orm: Orm, name: string): Promise<number> {
  const [row] = await orm.em.getConnection().execute<Array<Record<string, number>>>(`pragma ${name}`);
  return Number(Object.values(row ?? {})[0]);
}

test('a fresh SQLite database uses incremental auto-vacuum; deleted runs\' pages are returned, and the file stops growing', async (t) => {
  const db = await createTestDatabase('sqlite');
  const log = new SqlEventLog(db.store.orm);
  t.teardown(async () => {
    await log.close();
    await db.drop();
  });
  const orm = db.store.orm;
  t.is(await pragma(orm, 'auto_vacuum'), 2);
  const fill = async () => {
    const runs = Array.from({ length: 10 }, () => freshRunId());
    // ~4 MB: 10 runs × 100 events × ~4 KB.
    await Promise.all(runs.map((run) => log.append(run, events(run, 1, 100, 2000))));
    return runs;
  };
  const empty = await pragma(orm, 'page_count');
  const first = await fill();
  const full = await pragma(orm, 'page_count');
  t.true(full > empty + 500, `pages ${empty} → ${full}`);
  await log.deleteRuns(first);
  const afterDelete = await pragma(orm, 'page_count');
  t.true(afterDelete < empty + (full - empty) / 10, `pages after the delete: ${afterDelete} (full ${full}, empty ${empty})`);
  t.true(await pragma(orm, 'freelist_count') < 50);
  // The same load again needs about the same pages, not twice as many.
  const second = await fill();
  const again = await pragma(orm, 'page_count');
  t.true(again <= full * 1.1, `pages ${full} then ${again}`);
  t.true(second.length > 0);
});

test('an existing SQLite database without incremental auto-vacuum is converted once at start, keeping its data', async (t) => {
  const file = join(tmpdir(), `${uniqueName('cadre_test_vacuum')}.sqlite`);
  t.teardown(() => Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(file + s, { force: true }))).then(() => undefined));
  const raw = new Database(file);
  raw.exec('pragma journal_mode = wal');
  raw.exec('create table kept (v text)');
  raw.exec("insert into kept values ('still here')");
  t.is((raw.prepare('pragma auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum, 0);
  raw.close();
  const orm = await initORM({ database: { driver: 'libsql', dbName: file } });
  try {
    t.is(await pragma(orm, 'auto_vacuum'), 2);
    t.deepEqual(await orm.em.getConnection().execute('select v from kept'), [{ v: 'still here' }]);
  } finally {
    await orm.close(true);
  }
});
