import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { entities } from './entities/index.ts';
import { mysqlColumnTypes, probeMySqlServer } from './mysql-server.ts';
import { databaseConfigFromEnv, type DatabaseConfig } from './database-config.ts';
import { useIncrementalVacuum } from './sqlite-space.ts';

export type Orm = MikroORM;

/** How long a SQLite connection waits for another's write lock (the event log's writer thread has one). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface InitOrmOptions {
  database?: DatabaseConfig;
  /** Create missing tables/columns (never drops anything). Default true. */
  syncSchema?: boolean;
  /** Extra MikroORM options, e.g. `debug` or pool settings. */
  overrides?: Partial<Options>;
}

/** The driver class is loaded on demand so a SQLite deployment never loads pg or mysql2. */
async function driverFor(config: DatabaseConfig): Promise<Options['driver']> {
  switch (config.driver) {
    case 'libsql':
      return (await import('@mikro-orm/libsql')).LibSqlDriver;
    case 'postgresql':
      return (await import('@mikro-orm/postgresql')).PostgreSqlDriver;
    case 'mysql':
      return (await import('@mikro-orm/mysql')).MySqlDriver;
  }
}

export async function ormOptions(config: DatabaseConfig): Promise<Partial<Options>> {
  const base: Partial<Options> = {
    driver: await driverFor(config),
    entities,
    dbName: config.dbName,
    // Requests and runs always work on a fork; touching the global context is a bug.
    allowGlobalContext: false,
    debug: false,
    ensureDatabase: false,
  };
  if (config.driver === 'libsql') return base;
  const server = { ...base, host: config.host, port: config.port, user: config.user, password: config.password };
  if (config.driver === 'postgresql') return server;
  const mysql = await probeMySqlServer(server);
  return {
    ...server,
    driver: mysql.flavour === 'mariadb' ? (await import('@mikro-orm/mariadb')).MariaDbDriver : server.driver,
    discovery: { onMetadata: mysqlColumnTypes(mysql) },
  };
}

/**
 * Opens the database and brings its schema up to date. A fresh database gets every table; an
 * existing one gets missing tables, columns and indexes added (`safe` mode never drops a
 * table or column), so upgrading keeps its data.
 */
export async function initORM(options: InitOrmOptions = {}): Promise<Orm> {
  const database = options.database ?? databaseConfigFromEnv();
  if (database.driver === 'libsql' && database.dbName !== ':memory:') {
    await mkdir(dirname(database.dbName), { recursive: true });
  }
  const orm = await MikroORM.init({ ...(await ormOptions(database)), ...options.overrides });
  if (database.driver === 'libsql' && database.dbName !== ':memory:') {
    // WAL lets readers (history, SSE) run beside the writer and makes each commit ~7x cheaper
    // (one append per run per tick); NORMAL sync is durable across process crashes in WAL mode.
    const connection = orm.em.getConnection();
    await connection.execute('pragma journal_mode = wal');
    await connection.execute('pragma synchronous = normal');
    await connection.execute(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    await useIncrementalVacuum(orm);
  }
  if (options.syncSchema !== false) {
    try {
      await orm.schema.ensureDatabase({ create: false });
      await orm.schema.update({ safe: true });
    } catch (err) {
      await orm.close(true);
      throw err;
    }
  }
  return orm;
}
