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

  /** Runs per owning process (the runs' `owner`), to show how BullMQ spread them. */
  async owners(): Promise<Record<string, number>> {
    const orm = await initORM({ database: { ...this.#admin, dbName: this.#name } as DatabaseConfig, syncSchema: false });
    try {
      const rows: Array<{ owner: string | null; n: string | number }> = await orm.em.getConnection()
        .execute('select owner, count(*) as n from execution_run group by owner order by owner');
      return Object.fromEntries(rows.map((r) => [r.owner ?? '(none)', Number(r.n)]));
    } finally {
      await orm.close(true);
    }
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
