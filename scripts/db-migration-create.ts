/**
 * Generates the next schema migration of each backend from the entities:
 *
 *   npm run db:migration:create -- <name> [sqlite|postgresql|mysql ...]
 *
 * For each backend (default: all three) a throwaway database is created on the test services
 * (scripts/test-services.sh; CADRE_TEST_PG_URL / CADRE_TEST_MYSQL_URL point elsewhere), the
 * committed migrations are applied to it, MikroORM's migrator writes the difference between
 * it and the entities to src/store/migrations/<backend>/migration-<timestamp>-<name>.ts, the
 * backend's index.ts is rewritten to list every migration, and the database is dropped. The
 * first migration of a backend also writes initial-schema.json (see src/store/legacy-schema.ts).
 * Review the generated SQL before committing it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import type { Migrator } from '@mikro-orm/migrations';
import type { SqlSchemaGenerator } from '@mikro-orm/sql';
import { migrationsFolder, type SchemaBackend } from '../src/store/schema-migrations.ts';
import { createTestDatabase } from '../test/helpers/backends.ts';

const BACKENDS: SchemaBackend[] = ['sqlite', 'postgresql', 'mysql'];

const args = process.argv.slice(2);
const name = args.find((a) => !BACKENDS.includes(a as SchemaBackend));
const chosen = args.filter((a): a is SchemaBackend => BACKENDS.includes(a as SchemaBackend));
if (!name || !/^[a-z0-9_]+$/i.test(name)) {
  console.error('usage: npm run db:migration:create -- <name: letters, digits, _> [sqlite|postgresql|mysql ...]');
  process.exit(2);
}

async function writeIndex(backend: SchemaBackend): Promise<string[]> {
  const folder = migrationsFolder(backend);
  const files = (await readdir(folder)).filter((f) => /^migration-\d{14}[\w-]*\.ts$/.test(f)).sort();
  const classes = await Promise.all(files.map(async (f) => {
    const match = /export class (\w+) extends Migration/.exec(await readFile(`${folder}${f}`, 'utf8'));
    if (!match) throw new Error(`${f} declares no migration class`);
    return { file: f, name: match[1]! };
  }));
  const source = [
    '// Written by `npm run db:migration:create` (scripts/db-migration-create.ts): this backend\'s',
    '// migrations, oldest first. Edit only to add a hand-written migration.',
    'import type { MigrationObject } from \'@mikro-orm/core\';',
    ...classes.map((c) => `import { ${c.name} } from './${c.file}';`),
    '',
    'export const migrations: MigrationObject[] = [',
    ...classes.map((c) => `  { name: '${c.name}', class: ${c.name} },`),
    '];',
    '',
  ].join('\n');
  await writeFile(`${folder}index.ts`, source);
  return classes.map((c) => c.name);
}

let failed = false;
for (const backend of chosen.length > 0 ? chosen : BACKENDS) {
  // A fresh database with the committed migrations applied (initORM does it).
  const db = await createTestDatabase(backend);
  try {
    const orm = db.store.orm;
    const migrator = orm.migrator as Migrator;
    const initial = (await migrator.getExecuted()).length === 0;
    const folder = migrationsFolder(backend);
    const result = await migrator.create(folder, false, initial, name);
    if (!result.fileName) {
      console.log(`${backend}: the entities match the migrations, nothing to create`);
      continue;
    }
    if (initial) {
      const target = (orm.schema as unknown as SqlSchemaGenerator).getTargetSchema();
      await writeFile(`${folder}initial-schema.json`, `${JSON.stringify(target, null, 2)}\n`);
    }
    await writeIndex(backend);
    console.log(`${backend}: wrote src/store/migrations/${backend}/${result.fileName} (${result.diff.up.filter(Boolean).length} statements)`);
  } catch (err) {
    failed = true;
    console.error(`${backend}: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await db.drop();
  }
}
process.exit(failed ? 1 : 0);
