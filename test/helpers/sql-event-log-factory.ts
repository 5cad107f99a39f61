import test from 'ava';
import { createTestDatabase, type Backend, type TestDatabase } from './backends.ts';
import { SqlEventLog } from '../../src/store/sql-event-log.ts';

export function sqlEventLog(backend: Backend) {
  return async () => {
    const db = await createTestDatabase(backend);
    const log = new SqlEventLog(db.store.orm);
    const siblings: SqlEventLog[] = [];
    return {
      log,
      // Another log on the same database: what another process would see (no shared live feed).
      sibling: async () => { const other = new SqlEventLog(db.store.orm); siblings.push(other); return other; },
      dispose: async () => { await Promise.all([log, ...siblings].map((l) => l.close())); await db.drop(); },
    };
  };
}

/**
 * A real SQL event log on a SQLite database of the calling test file's own: made before its
 * tests, dropped after. ava runs `before` hooks concurrently, so other hooks await `ready`.
 */
export function useSqliteEventLog(): { readonly log: SqlEventLog; readonly db: TestDatabase; readonly ready: Promise<void> } {
  const { promise: ready, resolve, reject } = Promise.withResolvers<void>();
  const fixture = { ready } as { log: SqlEventLog; db: TestDatabase; ready: Promise<void> };
  test.before(async () => {
    try {
      fixture.db = await createTestDatabase('sqlite');
      fixture.log = new SqlEventLog(fixture.db.store.orm);
      resolve();
    } catch (err) {
      reject(err);
      throw err;
    }
  });
  test.after.always(async () => {
    // The log first: on SQLite its writer thread has the database file open.
    await fixture.log?.close();
    await fixture.db?.drop();
  });
  return fixture;
}
