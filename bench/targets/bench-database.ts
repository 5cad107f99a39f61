/**
 * A PostgreSQL database of the bench's own for cases where several Cadre processes share one SQL
 * database (one SQLite file would serialise them on its single writer). Created empty on the test
 * server (scripts/test-services.sh), its schema made by the first Cadre process, dropped after.
 */
import { randomBytes } from 'node:crypto';
import { initORM } from '../../src/store/init-orm.ts';
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/store/database-config.ts';

export const BENCH_PG_URL = process.env.CADRE_BENCH_PG_URL ?? process.env.CADRE_TEST_PG_URL ?? 'postgres://cadre:cadre@127.0.0.1:5432/postgres';

export class BenchDatabase {
  readonly url: string;
  readonly #admin: DatabaseConfig;
  readonly #name: string;

  private constructor(admin: DatabaseConfig, name: string) {
    this.#admin = admin;
    this.#name = name;
    if (admin.driver !== 'postgresql') throw new Error(`BenchDatabase wants a postgres:// URL, got ${admin.driver}`);
    this.url = `postgres://${encodeURIComponent(admin.user)}:${encodeURIComponent(admin.password)}@${admin.host}:${admin.port}/${name}`;
  }

  static async create(): Promise<BenchDatabase> {
    const admin = parseDatabaseUrl(BENCH_PG_URL);
    const db = new BenchDatabase(admin, `cadre_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`);
    await db.#withAdmin((orm) => orm.schema.createDatabase(db.#name));
    return db;
  }

  /**
   * A connection to the bench database held for one case, for what is polled during it (run
   * owners, PostgreSQL backends): opening an ORM per poll would cost more than the poll.
   */
  async session(): Promise<BenchSession> {
    const orm = await initORM({ database: { ...this.#admin, dbName: this.#name } as DatabaseConfig, syncSchema: false });
    return new BenchSession(orm);
  }

  /** After every Cadre process using it has stopped (PostgreSQL refuses while connections remain). */
  async drop(): Promise<void> {
    await this.#withAdmin((orm) => orm.schema.dropDatabase(this.#name));
  }

  async #withAdmin(fn: (orm: Awaited<ReturnType<typeof initORM>>) => Promise<unknown>): Promise<void> {
    const orm = await initORM({ database: this.#admin, syncSchema: false });
    try {
      await fn(orm);
    } finally {
      await orm.close(true);
    }
  }
}

/** One held connection to the bench database (BenchDatabase.session); close() before drop(). */
export class BenchSession {
  readonly #orm: Awaited<ReturnType<typeof initORM>>;

  constructor(orm: Awaited<ReturnType<typeof initORM>>) {
    this.#orm = orm;
  }

  /** The owning process id (execution_run.owner) of each of `ids` that has one by now. */
  async runOwners(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: number | string; owner: string }> = await this.#orm.em.getConnection()
      .execute(`select id, owner from execution_run where owner is not null and id in (${ids.map(() => '?').join(',')})`, ids);
    return new Map(rows.map((r) => [Number(r.id), r.owner]));
  }

  /**
   * PostgreSQL backends serving this database (one per pooled connection of the Cadre
   * processes), this session's own excluded: its polling is the bench's cost, not Cadre's.
   */
  async backendPids(): Promise<number[]> {
    const rows: Array<{ pid: number | string }> = await this.#orm.em.getConnection()
      .execute('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.map((r) => Number(r.pid));
  }

  async close(): Promise<void> {
    await this.#orm.close(true);
  }
}
