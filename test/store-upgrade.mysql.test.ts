import test from 'ava';
import { initORM } from '../src/store/init-orm.ts';
import { parseDatabaseUrl, type DatabaseConfig } from '../src/store/database-config.ts';
import { Store } from '../src/store/store.ts';
import { committedMigrations, legacyAdoption } from '../src/store/schema-migrations.ts';
import { applySafeDifference, readInitialSchema } from '../src/store/legacy-schema.ts';
import { uniqueName } from './helpers/backends.ts';

const admin = parseDatabaseUrl(process.env.CADRE_TEST_MYSQL_URL ?? 'mysql://cadre:cadre@127.0.0.1:3306/mysql');

/**
 * A database made by an earlier Cadre, before migrations and before exact collations (varchar
 * columns in the server's default, case-insensitive collation), is adopted at start: the safe
 * difference to the first migration's schema converts its columns, so tenant ids then compare
 * exactly, and its rows survive.
 */
test('mysql: adopting a pre-migration database makes its string columns compare exactly', async (t) => {
  const database = { ...admin, dbName: uniqueName('cadre_upgrade') } as DatabaseConfig;
  // The old schema, made as Cadre then did (safe schema update), from entities with no column
  // collations and TEXT as it was then.
  const old = await initORM({ database, syncSchema: false });
  await old.schema.ensureDatabase();
  const [initial] = await committedMigrations('mysql');
  const then = await readInitialSchema(old, legacyAdoption('mysql', initial!.name));
  for (const table of then.getTables()) {
    for (const column of table.getColumns()) {
      delete column.collation;
      if (column.type === 'longtext') column.type = 'text';
    }
  }
  await applySafeDifference(old, then);
  t.teardown(async () => {
    const cleanup = await initORM({ database: admin, syncSchema: false });
    await cleanup.schema.dropDatabase(database.dbName).finally(() => cleanup.close(true));
  });
  type Column = { table_name: string; column_name: string; collation_name: string };
  const collations = async (orm: Awaited<ReturnType<typeof initORM>>): Promise<Column[]> => orm.em.getConnection().execute<Column[]>(
    `select table_name as table_name, column_name as column_name, collation_name as collation_name from information_schema.columns
     where table_schema = schema() and column_name in ('tenant_id', 'name') and table_name <> 'mikro_orm_migrations'`,
  );
  const before = await collations(old);
  t.true(before.length >= 4, 'tenant_id and name columns exist');
  t.true(before.every((c) => /_ci$/.test(c.collation_name)), `old columns are case-insensitive: ${JSON.stringify(before)}`);
  const oldStore = new Store(old);
  const model = await oldStore.forTenant('tenant-up').models.create({ name: 'kept', model_id: 'm', provider: 'openai' });
  // The leak being fixed: on the old schema an upper-cased tenant reads the row.
  t.truthy(await oldStore.forTenant('TENANT-UP').models.find(model.id));
  await oldStore.close();

  const store = new Store(await initORM({ database }));
  t.teardown(() => store.close());
  const after = await collations(store.orm);
  t.true(after.length >= 4);
  t.true(after.every((c) => /^utf8mb4_(0900|nopad)_bin$/.test(c.collation_name)), `converted: ${JSON.stringify(after)}`);
  t.is((await store.forTenant('tenant-up').models.find(model.id))?.name, 'kept');
  t.is(await store.forTenant('TENANT-UP').models.find(model.id), null);
  t.is(await store.forTenant('Tenant-Up').models.find(model.id), null);
  // The unique (tenant, name) key now compares exactly too.
  await store.forTenant('tenant-up').models.create({ name: 'KEPT', model_id: 'm', provider: 'openai' });
  // A second start finds nothing left to change.
  const again = await initORM({ database, syncSchema: false });
  t.teardown(() => again.close(true));
  t.is((await again.schema.getUpdateSchemaSQL({ safe: true })).trim(), '');
});
