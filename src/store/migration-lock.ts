import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { UnavailableError } from '../errors/app-error.ts';
import type { SchemaBackend } from './schema-migrations.ts';

/** How long a starting process waits for another one's migrations before giving up. */
export const MIGRATION_LOCK_TIMEOUT_MS = 120_000;

/** Names the advisory lock; PostgreSQL's are per database already, MySQL's per server. */
export const LOCK_NAME = 'cadre:schema-migrations';

function timeoutError(timeoutMs: number): UnavailableError {
  return new UnavailableError(
    `another process has held the schema migration lock ("${LOCK_NAME}") for over ${timeoutMs} ms; start again once its migration is done`,
    'MIGRATION_LOCK_TIMEOUT',
  );
}

/** GET_LOCK is server-wide and its names are at most 64 characters: one lock per database. */
export function mysqlLockName(dbName: string): string {
  return `${LOCK_NAME}:${createHash('sha256').update(dbName).digest('hex').slice(0, 32)}`;
}

/**
 * Runs `fn` while holding this database's migration lock, so processes started at once migrate
 * one after the other and the later ones find nothing left to do.
 *
 * - PostgreSQL / MySQL: an advisory lock held by a transaction pinned to one pooled connection
 *   for the whole of `fn` (acquired and released on it). The migrator meanwhile works on other
 *   pooled connections (so the pool needs two or more): the lock is advisory, every process
 *   takes it before migrating.
 *   PostgreSQL's transaction-level lock goes with the transaction however it ends.
 * - SQLite: `BEGIN IMMEDIATE` takes the file's write lock; libSQL has one connection per ORM, so
 *   `fn`'s statements (the migrator runs non-transactional there) run inside this transaction
 *   and the whole migration commits or rolls back as one.
 */
export async function withMigrationLock<T>(orm: MikroORM, backend: SchemaBackend, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const connection = orm.em.getConnection() as AbstractSqlConnection;
  if (backend === 'sqlite') return withSqliteLock(connection, timeoutMs, fn);
  return connection.transactional(async (trx) => {
    if (backend === 'postgresql') {
      await connection.execute(`set local lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`, [], 'run', trx);
      try {
        await connection.execute('select pg_advisory_xact_lock(hashtext(?))', [LOCK_NAME], 'all', trx);
      } catch (err) {
        // 55P03 lock_not_available: lock_timeout expired.
        if ((err as { code?: string }).code === '55P03') throw timeoutError(timeoutMs);
        throw err;
      }
      return fn();
    }
    const name = mysqlLockName(orm.config.get('dbName') ?? '');
    const [row] = await connection.execute<Array<{ got: number | null }>>(
      'select get_lock(?, ?) as got', [name, Math.max(0, Math.ceil(timeoutMs / 1000))], 'all', trx,
    );
    if (Number(row?.got) !== 1) throw timeoutError(timeoutMs);
    try {
      return await fn();
    } finally {
      await connection.execute('select release_lock(?) as released', [name], 'all', trx);
    }
  });
}

async function withSqliteLock<T>(connection: AbstractSqlConnection, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const busy = await connection.execute<Array<{ timeout: number }>>('pragma busy_timeout');
  const previous = Number(busy[0]?.timeout ?? 0);
  await connection.execute(`pragma busy_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
  try {
    try {
      await connection.execute('begin immediate');
    } catch (err) {
      if (/SQLITE_BUSY|database is locked/i.test(String((err as Error).message))) throw timeoutError(timeoutMs);
      throw err;
    }
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await connection.execute('rollback');
      throw err;
    }
    await connection.execute('commit');
    return result;
  } finally {
    await connection.execute(`pragma busy_timeout = ${previous}`);
  }
}
