import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { entities } from './entities/index.ts';
import { mysqlColumnTypes, probeMySqlServer } from './mysql-server.ts';
import { sqliteColumnTypes } from './sqlite-column-types.ts';
import { databaseConfigFromEnv, type DatabaseConfig } from './database-config.ts';
import { migrateSchema, migrationOptions, schemaBackend } from './schema-migrations.ts';
import { useIncrementalVacuum } from './sqlite-space.ts';

export type Orm = MikroORM;

/** How long a SQLite connection waits for another's write lock (the event log's writer thread has one). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface InitOrmOptions {
  database?: DatabaseConfig;
  /**
   * Create the database if missing and apply the pending migrations (under the database's
   * migration lock, see schema-migrations.ts). Default true.
   */
  syncSchema?: boolean;
  /** How long to wait for another process's migrations (default MIGRATION_LOCK_TIMEOUT_MS). */
  migrationLockTimeoutMs?: number;
  /** Told the migrations applied at start (none when the schema was up to date). */
  onMigrated?: (applied: string[]) => void;
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
  return (await ormSetup(config)).options;
}

/** The ORM options, and for MySQL-protocol servers the exact collation the probe chose. */
async function ormSetup(config: DatabaseConfig): Promise<{ options: Partial<Options>; exactCollation?: string }> {
  const base: Partial<Options> = {
    driver: await driverFor(config),
    entities,
    dbName: config.dbName,
    // Requests and runs always work on a fork; touching the global context is a bug.
    allowGlobalContext: false,
    debug: false,
    ensureDatabase: false,
  };
  const backend = schemaBackend(config);
  if (config.driver === 'libsql') {
    return { options: { ...base, ...(await migrationOptions(backend)), discovery: { onMetadata: sqliteColumnTypes } } };
  }
  const server = { ...base, host: config.host, port: config.port, user: config.user, password: config.password };
  if (config.driver === 'postgresql') return { options: { ...server, ...(await migrationOptions(backend)) } };
  const mysql = await probeMySqlServer(server);
  return {
    exactCollation: mysql.exactCollation,
    options: {
      ...server,
      ...(await migrationOptions(backend, mysql.exactCollation)),
      driver: mysql.flavour === 'mariadb' ? (await import('@mikro-orm/mariadb')).MariaDbDriver : server.driver,
      discovery: { onMetadata: mysqlColumnTypes(mysql) },
    },
  };
}

/**
 * Opens the database and brings its schema up to date by applying the committed migrations
 * (src/store/schema-migrations.ts): a fresh database gets every table, an existing one the
 * migrations it lacks, one made before migrations existed is adopted keeping its rows.
 */
export async function initORM(options: InitOrmOptions = {}): Promise<Orm> {
  const database = options.database ?? databaseConfigFromEnv();
  if (database.driver === 'libsql' && database.dbName !== ':memory:') {
    await mkdir(dirname(database.dbName), { recursive: true });
  }
  const setup = await ormSetup(database);
  const open = async () => MikroORM.init({ ...setup.options, ...options.overrides });
  let orm = await open();
  if (database.driver === 'libsql' && database.dbName !== ':memory:') {
    // WAL lets readers (history, SSE) run beside the writer and makes each commit ~7x cheaper
    // (one append per run per tick); NORMAL sync is durable across process crashes in WAL mode.
    const connection = orm.em.getConnection();
    // The busy timeout first: switching a fresh file to WAL takes a lock, and processes starting
    // at once on it must wait for each other instead of failing with SQLITE_BUSY.
    await connection.execute(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    await connection.execute('pragma journal_mode = wal');
    await connection.execute('pragma synchronous = normal');
    await useIncrementalVacuum(orm);
  }
  if (options.syncSchema !== false) {
    try {
      try {
        await orm.schema.ensureDatabase({ create: false });
      } catch (err) {
        // Processes started at once on a missing database race to create it: the losers' CREATE
        // DATABASE fails, and the ORM is left pointing at the management database. Reopen.
        await orm.close(true);
        orm = await open();
        await orm.schema.ensureDatabase({ create: false }).catch((again: unknown) => {
          throw new AggregateError([err, again], 'could not create the database');
        });
      }
      const applied = await migrateSchema(orm, schemaBackend(database), {
        exactCollation: setup.exactCollation,
        lockTimeoutMs: options.migrationLockTimeoutMs,
      });
      options.onMigrated?.(applied);
    } catch (err) {
      await orm.close(true);
      throw err;
    }
  }
  return orm;
}
