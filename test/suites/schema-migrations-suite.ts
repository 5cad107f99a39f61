import test, { type ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import type { MigrationObject, Options } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { DatabaseSchema, SchemaComparator, type AbstractSqlConnection, type AbstractSqlPlatform, type SqlSchemaGenerator } from '@mikro-orm/sql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { initORM, type Orm } from '../../src/store/init-orm.ts';
import { Store } from '../../src/store/store.ts';
import { AiModel, ExecutionEvent } from '../../src/store/entities/index.ts';
import type { DatabaseConfig } from '../../src/store/database-config.ts';
import { committedMigrations, legacyAdoption, migrationOptions, MIGRATIONS_TABLE, schemaBackend } from '../../src/store/schema-migrations.ts';
import { applySafeDifference, readInitialSchema } from '../../src/store/legacy-schema.ts';
import { LOCK_NAME, mysqlLockName } from '../../src/store/migration-lock.ts';
import { normaliseHierarchy } from '../../src/domain/hierarchy-normalise.ts';
import { registeredToolNames } from '../../src/tools/tool-registry.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';
import { freshDatabase as freshTestDatabase, type Backend } from '../helpers/backends.ts';

/** A database of the test's own, not created yet; removed when the test ends. */
const freshDatabase = (t: ExecutionContext, backend: Backend) => freshTestDatabase(t, backend, 'cadre_mig');

/** initORM, and the migrations it said it applied. Teardowns run last-registered first: the ORM closes before the database goes. */
async function start(t: ExecutionContext, database: DatabaseConfig, overrides?: Partial<Options>): Promise<{ orm: Orm; applied: string[] }> {
  let applied: string[] | undefined;
  const orm = await initORM({ database, overrides, onMigrated: (names) => { applied = names; } });
  t.teardown(() => orm.close(true));
  if (!applied) throw new Error('initORM did not report its migrations');
  return { orm, applied };
}

async function executedMigrations(orm: Orm): Promise<string[]> {
  const rows: Array<{ name: string }> = await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE} order by id`);
  return rows.map((r) => r.name);
}

/** What `orm.schema.update()` would still change (dropping nothing): empty when the schema is the entities'. */
async function schemaDifference(orm: Orm): Promise<string> {
  return (await (orm.schema as unknown as SqlSchemaGenerator).getUpdateSchemaSQL({ safe: true, dropTables: false })).trim();
}

/** A migration written after the first, as the next commit adds one. */
class AddLaterTable extends Migration {
  override up(): void {
    this.addSql('create table test_later_table (id int not null primary key)');
  }
}

/** The committed migrations and one more. */
async function withLaterMigration(database: DatabaseConfig): Promise<{ overrides: Partial<Options>; later: MigrationObject }> {
  const later: MigrationObject = { name: 'Migration29990101000000_test_later', class: AddLaterTable };
  const { migrations } = await migrationOptions(schemaBackend(database));
  return { later, overrides: { migrations: { ...migrations, migrationsList: [...(migrations!.migrationsList ?? []), later] } } };
}

/** The schema comes from the committed migrations, applied at start under a lock, on every backend. */
export function schemaMigrationsSuite(backend: Backend): void {
  test(`${backend}: a fresh database gets the committed migrations, whose schema is exactly the entities'; a second start applies none`, async (t) => {
    const database = freshDatabase(t, backend);
    const committed = (await committedMigrations(backend)).map((m) => m.name);
    t.true(committed.length > 0);
    const first = await start(t, database);
    t.deepEqual(first.applied, committed);
    t.deepEqual(await executedMigrations(first.orm), committed);
    t.is(await schemaDifference(first.orm), '', 'the migrations make the schema the entities describe');
    const second = await start(t, database);
    t.deepEqual(second.applied, []);
    t.deepEqual(await executedMigrations(second.orm), committed, 'each migration recorded once');
  });

  test(`${backend}: the first migration makes exactly the schema pre-migration databases are adopted to (initial-schema.json)`, async (t) => {
    const database = freshDatabase(t, backend);
    const [initial] = await committedMigrations(backend);
    const { migrations } = await migrationOptions(schemaBackend(database));
    const { orm, applied } = await start(t, database, { migrations: { ...migrations, migrationsList: [initial!] } });
    t.deepEqual(applied, [initial!.name]);
    const platform = orm.em.getPlatform() as AbstractSqlPlatform;
    const made = await DatabaseSchema.create(orm.em.getConnection() as AbstractSqlConnection, platform, orm.config, orm.config.get('schema', platform.getDefaultSchemaName()));
    const adoptedTo = await readInitialSchema(orm, legacyAdoption(backend, initial!.name));
    const generator = orm.schema as unknown as SqlSchemaGenerator;
    const comparator = new SchemaComparator(platform);
    const sql = (from: DatabaseSchema, to: DatabaseSchema) => generator.diffToSQL(comparator.compare(from, to), { wrap: false, safe: false, dropTables: true }).trim();
    t.true(made.getTables().length > 5);
    t.is(sql(made, adoptedTo), '');
    t.is(sql(adoptedTo, made), '');
  });

  test(`${backend}: a database made before migrations is adopted with its rows, then takes the later migrations`, async (t) => {
    const database = freshDatabase(t, backend);
    // What Cadre did before migrations: the safe schema update at every start, towards the
    // entities as they were then, which is the first migration's schema.
    const [initial] = await committedMigrations(backend);
    const old = await initORM({ database, syncSchema: false });
    await old.schema.ensureDatabase();
    await applySafeDifference(old, await readInitialSchema(old, legacyAdoption(backend, initial!.name)));
    // Rows written with the columns of that schema only (today's entities may have more).
    const em = old.em.fork();
    const now = new Date();
    const tenantId = 't-upgrade';
    const model = { id: randomUUID() };
    await em.insert(AiModel, { ...model, tenantId, name: 'kept-model', modelId: 'm-1', provider: 'simulated', isActive: true, createdAt: now, updatedAt: now });
    const config = normaliseHierarchy(sampleHierarchyInput(), registeredToolNames) as unknown as Record<string, unknown>;
    const hierarchy = { id: randomUUID() };
    // By its columns: em.insert would also write columns today's entity has (origin) and this schema lacks.
    const at = old.em.getPlatform().processDateProperty(now);
    await (em as SqlEntityManager).getKysely<{ hierarchy_team: Record<string, unknown> }>().insertInto('hierarchy_team').values({
      id: hierarchy.id, tenant_id: tenantId, name: 'kept-hierarchy', config: JSON.stringify(config), is_active: backend === 'sqlite' ? 1 : true,
      version: 1, created_at: at, updated_at: at,
    }).execute();
    // One POST /execute stored for its run before hierarchies had an origin: the upgrade hides it.
    const inline = { id: randomUUID() };
    await (em as SqlEntityManager).getKysely<{ hierarchy_team: Record<string, unknown> }>().insertInto('hierarchy_team').values({
      id: inline.id, tenant_id: tenantId, name: `execute:${randomUUID()}`, config: JSON.stringify(config), is_active: backend === 'sqlite' ? 1 : true,
      version: 1, created_at: at, updated_at: at,
    }).execute();
    // By its columns too: today's entity has columns (thread_queued, with a default) this schema lacks.
    const kysely = (em as SqlEntityManager).getKysely<{ execution_run: Record<string, unknown> }>();
    await kysely.insertInto('execution_run').values({
      tenant_id: tenantId, hierarchy_id: hierarchy.id, task: 'kept task', status: 'completed', topology_snapshot: JSON.stringify({ kept: true }), created_at: at,
    }).execute();
    const inserted = await kysely.selectFrom('execution_run').select('id').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    const run = { id: Number(inserted.id) };
    const payloads = [0, 1, 2].map((i) => JSON.stringify({ sequence: i + 1, data: { i } }));
    await em.insertMany(ExecutionEvent, payloads.map((payload, i) => ({
      runId: run.id, sequence: i + 1, category: 'lifecycle', action: `a${i}`, payload, createdAt: now,
    })));
    const platform = old.em.getPlatform() as AbstractSqlPlatform;
    const helper = platform.getSchemaHelper()!;
    const schemaName = old.config.get('schema', platform.getDefaultSchemaName());
    t.false(await helper.tableExists(old.em.getConnection() as AbstractSqlConnection, MIGRATIONS_TABLE, schemaName), 'no migrations table before');
    await old.close(true);

    const { overrides, later } = await withLaterMigration(database);
    const upgraded = await start(t, database, overrides);
    const committed = (await committedMigrations(backend)).map((m) => m.name);
    t.deepEqual(upgraded.applied, [`${initial!.name} (adopted: tables made before migrations)`, ...committed.slice(1), later.name]);
    t.deepEqual(await executedMigrations(upgraded.orm), [...committed, later.name]);
    t.is(await schemaDifference(upgraded.orm), '');
    const store = new Store(upgraded.orm);
    const kept = store.forTenant('t-upgrade');
    t.is((await kept.models.find(model.id))?.modelId, 'm-1');
    t.deepEqual((await kept.hierarchies.find(hierarchy.id))?.config, config);
    t.is(await kept.hierarchies.find(inline.id), null, "an old /execute hierarchy is no longer the tenant's to see");
    t.truthy(await kept.hierarchies.find(inline.id, { anyOrigin: true }), 'it is kept for its run');
    t.deepEqual((await kept.hierarchies.list({ page: 1, size: 10 })).items.map((h) => h.id), [hierarchy.id]);
    const keptRun = await kept.runs.find(run.id);
    t.is(keptRun?.task, 'kept task');
    t.is(keptRun?.status, 'completed');
    t.deepEqual(keptRun?.topologySnapshot, { kept: true });
    const events = await upgraded.orm.em.fork().find(ExecutionEvent, { runId: run.id }, { orderBy: { sequence: 'asc' } });
    t.deepEqual(events.map((e) => e.payload), payloads);
    // The later migration ran: its table exists.
    await t.notThrowsAsync(upgraded.orm.em.getConnection().execute('select count(*) as n from test_later_table'));

    const again = await start(t, database, overrides);
    t.deepEqual(again.applied, []);
    t.deepEqual(await executedMigrations(again.orm), [...committed, later.name]);
  });

  test(`${backend}: a start waits for the migration lock and fails clearly when another holder keeps it too long`, async (t) => {
    const database = freshDatabase(t, backend);
    await start(t, database);
    const holder = await initORM({ database, syncSchema: false });
    t.teardown(() => holder.close(true));
    const connection = holder.em.getConnection() as AbstractSqlConnection;
    const attempt = () => initORM({ database, migrationLockTimeoutMs: 400 });
    const expectTimeout = async () => {
      const err = await t.throwsAsync(attempt());
      t.is((err as { errorCode?: string }).errorCode, 'MIGRATION_LOCK_TIMEOUT');
      t.regex(err!.message, /schema migration lock/);
    };
    if (backend === 'sqlite') {
      await connection.execute('begin immediate');
      try {
        await expectTimeout();
      } finally {
        await connection.execute('commit');
      }
    } else {
      await connection.transactional(async (trx) => {
        if (backend === 'postgresql') {
          await connection.execute('select pg_advisory_xact_lock(hashtext(?))', [LOCK_NAME], 'all', trx);
          await expectTimeout();
        } else {
          const name = mysqlLockName(database.dbName);
          const [row] = await connection.execute<Array<{ got: number }>>('select get_lock(?, 0) as got', [name], 'all', trx);
          t.is(Number(row?.got), 1);
          try {
            await expectTimeout();
          } finally {
            await connection.execute('select release_lock(?) as released', [name], 'all', trx);
          }
        }
      });
    }
    // Released: the next start goes through.
    const after = await start(t, database);
    t.deepEqual(after.applied, []);
  });
}
