import test from 'ava';
import { eventLogFaultSuite, eventLogSuite } from './suites/event-log-suite.ts';
import { initORM } from '../src/store/init-orm.ts';
import { SqlEventLog } from '../src/store/sql-event-log.ts';

/** An in-memory SQLite database cannot be shared with a writer thread: the log writes in-thread. */
async function memoryEventLog() {
  const orm = await initORM({ database: { driver: 'libsql', dbName: ':memory:' } });
  const log = new SqlEventLog(orm);
  const siblings: SqlEventLog[] = [];
  return {
    log,
    sibling: async () => { const other = new SqlEventLog(orm); siblings.push(other); return other; },
    dispose: async () => { await Promise.all([log, ...siblings].map((l) => l.close())); await orm.close(true); },
  };
}

test('sql-sqlite-memory: appends are written on the calling thread', async (t) => {
  const { log, dispose } = await memoryEventLog();
  t.teardown(dispose);
  t.is(log.writerThread, undefined);
});

eventLogSuite('sql-sqlite-memory', memoryEventLog);
eventLogFaultSuite('sql-sqlite-memory', memoryEventLog);
