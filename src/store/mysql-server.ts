import { MikroORM, StringType, TextType, type EntityMetadata, type Options } from '@mikro-orm/core';
import { ConfigError } from '../errors/app-error.ts';

/**
 * What a MySQL-protocol server is, asked before the ORM is set up for it: MariaDB gets
 * MikroORM's MariaDB driver (MariaDB stores JSON as LONGTEXT with a `json_valid` check, which
 * the MySQL driver's schema diff would try to drop on every update), and the collation that
 * makes string comparison exact.
 *
 * MySQL's and MariaDB's default collations compare case- and accent-insensitively and ignore
 * trailing spaces, so `tenant_id = 'TENANT-A'` would match the rows of `tenant-a`, and a name
 * unique per tenant would collide with its upper-cased twin on MySQL alone. Every varchar
 * column (tenant ids, ids, names, statuses) therefore uses a binary NO PAD collation: values
 * compare byte for byte, as on PostgreSQL and SQLite. MySQL 8 calls it `utf8mb4_0900_bin`,
 * MariaDB ≥ 10.2 `utf8mb4_nopad_bin`; a server with neither (MySQL 5.7, end of life) is refused,
 * because its `utf8mb4_bin` still ignores trailing spaces.
 */
export interface MySqlServer {
  flavour: 'mysql' | 'mariadb';
  version: string;
  exactCollation: string;
}

export const EXACT_COLLATIONS = ['utf8mb4_0900_bin', 'utf8mb4_nopad_bin'] as const;

/** Connects to `information_schema` (present on every server, whether or not our database exists yet). */
export async function probeMySqlServer(options: Pick<Options, 'host' | 'port' | 'user' | 'password'>): Promise<MySqlServer> {
  const { MySqlDriver } = await import('@mikro-orm/mysql');
  const orm = await MikroORM.init({
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    driver: MySqlDriver,
    dbName: 'information_schema',
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
  });
  try {
    const connection = orm.em.getConnection();
    const [row] = await connection.execute<Array<{ version: string }>>('select version() as version');
    const rows = await connection.execute<Array<{ name: string }>>(
      `select collation_name as name from information_schema.collations where collation_name in (${EXACT_COLLATIONS.map(() => '?').join(', ')})`,
      [...EXACT_COLLATIONS],
    );
    const found = new Set(rows.map((r) => r.name));
    const exactCollation = EXACT_COLLATIONS.find((name) => found.has(name));
    const version = String(row?.version ?? '');
    if (!exactCollation) {
      throw new ConfigError(`MySQL ≥ 8.0 or MariaDB ≥ 10.2 is required (server ${version} has no binary NO PAD collation to compare tenant ids exactly)`);
    }
    return { flavour: /mariadb/i.test(version) ? 'mariadb' : 'mysql', version, exactCollation };
  } finally {
    await orm.close(true);
  }
}

/**
 * Column types for MySQL-protocol servers, set as entities are discovered: text is LONGTEXT
 * (MySQL's TEXT holds 64 KiB; tasks, results and event payloads may be larger, while
 * PostgreSQL's and SQLite's text are unbounded), and every varchar compares exactly. On an
 * existing database the safe schema update converts the columns (`alter table … modify`).
 */
export function mysqlColumnTypes(server: MySqlServer): (meta: EntityMetadata) => void {
  return (meta) => {
    for (const prop of meta.props) {
      const type = prop.type as unknown;
      if (type === TextType || type === 'text') prop.columnTypes = ['longtext'];
      else if (type === StringType || type === 'string') prop.collation = server.exactCollation;
    }
  };
}
