import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/app-error.ts';

/** Which database, resolved from the environment in one place. */
export type DatabaseConfig =
  | { driver: 'libsql'; dbName: string }
  | {
      driver: 'postgresql' | 'mysql';
      host: string;
      port: number;
      dbName: string;
      user: string;
      password: string;
    };

const DEFAULT_SQLITE_FILE = './data/cadre.sqlite';

const dbTypeSchema = z.enum(['sqlite', 'libsql', 'postgresql', 'postgres', 'mysql', 'mariadb']);

/**
 * `DATABASE_URL` wins (a SQLite file path or `file:` URL, `postgres://…`, `mysql://…`); else the
 * reference's `DB_TYPE/DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD`; else a SQLite file under
 * ./data, so `npm start` needs no service.
 */
export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) return parseDatabaseUrl(url);
  if (!env.DB_TYPE) return { driver: 'libsql', dbName: resolve(DEFAULT_SQLITE_FILE) };
  const parsed = dbTypeSchema.safeParse(env.DB_TYPE.toLowerCase());
  if (!parsed.success) throw new ConfigError(`DB_TYPE must be one of ${dbTypeSchema.options.join(', ')}`);
  const type = parsed.data;
  if (type === 'sqlite' || type === 'libsql') {
    return { driver: 'libsql', dbName: resolve(env.DB_NAME || DEFAULT_SQLITE_FILE) };
  }
  const driver = type === 'postgresql' || type === 'postgres' ? 'postgresql' : 'mysql';
  const port = env.DB_PORT ? Number(env.DB_PORT) : driver === 'postgresql' ? 5432 : 3306;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ConfigError('DB_PORT must be a port number');
  return {
    driver,
    host: env.DB_HOST || '127.0.0.1',
    port,
    dbName: env.DB_NAME || 'cadre',
    user: env.DB_USER || (driver === 'postgresql' ? 'postgres' : 'root'),
    password: env.DB_PASSWORD ?? '',
  };
}

export function parseDatabaseUrl(url: string): DatabaseConfig {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file:')) {
    return { driver: 'libsql', dbName: url === ':memory:' ? url : resolve(url) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL or file path');
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'file' || scheme === 'sqlite' || scheme === 'libsql') {
    const path = decodeURIComponent(parsed.pathname || parsed.host);
    return { driver: 'libsql', dbName: path === ':memory:' ? path : resolve(path) };
  }
  const driver = scheme === 'postgres' || scheme === 'postgresql' ? 'postgresql'
    : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
  if (!driver) throw new ConfigError(`DATABASE_URL scheme "${scheme}" is not supported (sqlite file, postgres://, mysql://)`);
  const dbName = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'cadre';
  return {
    driver,
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : driver === 'postgresql' ? 5432 : 3306,
    dbName,
    user: decodeURIComponent(parsed.username) || (driver === 'postgresql' ? 'postgres' : 'root'),
    password: decodeURIComponent(parsed.password),
  };
}

/** A description safe to log: never the password. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.driver === 'libsql') return `sqlite (libsql) ${config.dbName}`;
  return `${config.driver} ${config.user}@${config.host}:${config.port}/${config.dbName}`;
}
