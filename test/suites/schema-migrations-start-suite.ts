import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initORM } from '../../src/store/init-orm.ts';
import { parseDatabaseUrl } from '../../src/store/database-config.ts';
import { committedMigrations, MIGRATIONS_TABLE } from '../../src/store/schema-migrations.ts';
import { startCadre, type CadreProcess } from '../helpers/cadre-process.ts';
import { dropServerDatabase, serverDatabaseUrl, uniqueName, type Backend } from '../helpers/backends.ts';

const PROCESSES = 3;

/**
 * Cadre processes started at once on a database that does not exist yet all come up: they
 * create it (the losers of that race reopen), and migrate one at a time under the migration lock,
 * so exactly one applies the migrations and each is recorded once.
 */
export function schemaMigrationsStartSuite(backend: Backend): void {
  test(`${backend}: ${PROCESSES} processes started at once on a fresh database all come up; each migration is applied and recorded once`, async (t) => {
    let url: string;
    if (backend === 'sqlite') {
      url = join(tmpdir(), `${uniqueName('cadre_mig_start')}.sqlite`);
      const file = url;
      t.teardown(async () => { await Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(file + s, { force: true }))); });
    } else {
      const dbName = uniqueName('cadre_mig_start');
      url = serverDatabaseUrl(backend, dbName);
      t.teardown(() => dropServerDatabase(backend, dbName));
    }
    const started = await Promise.allSettled(Array.from({ length: PROCESSES }, () => startCadre({ DATABASE_URL: url })));
    const processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    t.teardown(async () => { await Promise.all(processes.map((p: CadreProcess) => p.kill())); });
    for (const s of started) if (s.status === 'rejected') t.fail(String(s.reason));
    t.is(processes.length, PROCESSES);

    const committed = (await committedMigrations(backend)).map((m) => m.name);
    t.true(committed.length > 0);
    const orm = await initORM({ database: parseDatabaseUrl(url), syncSchema: false });
    t.teardown(() => orm.close(true));
    const rows: Array<{ name: string }> = await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE} order by id`);
    t.deepEqual(rows.map((r) => r.name), committed);
    const migrating = processes.filter((p) => p.logs.some((line) => line.includes('schema migrations applied')));
    t.is(migrating.length, 1, 'one process applied the migrations, the others found them done');
    // Every process serves requests on the migrated schema.
    for (const p of processes) {
      const res = await p.post('models/list', { page: 1, size: 10 });
      t.is(res.status, 200, JSON.stringify(res.body));
    }
  });
}
