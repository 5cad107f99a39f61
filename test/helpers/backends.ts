import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initORM } from '../../src/store/init-orm.ts';
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/store/database-config.ts';
import { Store } from '../../src/store/store.ts';

export type Backend = 'sqlite' | 'postgresql' | 'mysql';

/** Servers started by scripts/test-services.sh; override to point tests elsewhere. */
const adminUrls = {
  postgresql: process.env.CADRE_TEST_PG_URL ?? 'postgres://cadre:cadre@127.0.0.1:5432/postgres',
  mysql: process.env.CADRE_TEST_MYSQL_URL ?? 'mysql://cadre:cadre@127.0.0.1:3306/mysql',
};

/** Every test database's store encrypts tenant secrets with a key of its own (as main.ts gives one). */
function testStore(orm: Awaited<ReturnType<typeof initORM>>): Store {
  return new Store(orm, { secretsKey: randomBytes(32) });
}

export interface TestDatabase {
  store: Store;
  config: DatabaseConfig;
  /** Closes the store and removes the database. */
  drop(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A database of the given name on a test server (not created here). */
export function serverDatabase(backend: Exclude<Backend, 'sqlite'>, dbName: string): DatabaseConfig {
  return { ...parseDatabaseUrl(adminUrls[backend]), dbName } as DatabaseConfig;
}

/** Its URL, for DATABASE_URL. */
export function serverDatabaseUrl(backend: Exclude<Backend, 'sqlite'>, dbName: string): string {
  const url = new URL(adminUrls[backend]);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Drops a database of a test server. */
export async function dropServerDatabase(backend: Exclude<Backend, 'sqlite'>, dbName: string): Promise<void> {
  const adminOrm = await initORM({ database: parseDatabaseUrl(adminUrls[backend]), syncSchema: false });
  try {
    await adminOrm.schema.dropDatabase(dbName);
  } finally {
    await adminOrm.close(true);
  }
}

/**
 * A database of the test's own, not created yet (nor its schema); removed when the test ends.
 * For tests that make a database by hand, e.g. as an older Cadre left it.
 */
export function freshDatabase(t: { teardown(fn: () => Promise<void>): void }, backend: Backend, prefix = 'cadre_fresh'): DatabaseConfig {
  if (backend === 'sqlite') {
    const file = join(tmpdir(), `${uniqueName(prefix)}.sqlite`);
    t.teardown(async () => { await Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(file + s, { force: true }))); });
    return { driver: 'libsql', dbName: file };
  }
  const config = serverDatabase(backend, uniqueName(prefix));
  t.teardown(() => dropServerDatabase(backend, config.dbName));
  return config;
}

/** A database of its own for one test file, created empty and dropped afterwards. */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const file = join(tmpdir(), `${uniqueName('cadre_test')}.sqlite`);
    const config: DatabaseConfig = { driver: 'libsql', dbName: file };
    const store = testStore(await initORM({ database: config }));
    return {
      store,
      config,
      async drop() {
        await store.close();
        await Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(file + s, { force: true })));
      },
    };
  }
  const config = serverDatabase(backend, uniqueName('cadre_test'));
  // initORM creates the missing database (ensureDatabase) and its schema.
  const store = testStore(await initORM({ database: config }));
  return {
    store,
    config,
    async drop() {
      await store.close();
      await dropServerDatabase(backend, config.dbName);
    },
  };
}

/** Deletes every Redis key of a test's own prefix (its streams, queue and leases). */
export async function deleteRedisKeys(redisUrl: string, keyPrefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
