import { readFile } from 'node:fs/promises';
import { t, Type, UnknownType, type MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { DatabaseSchema, DatabaseTable, SchemaComparator, type AbstractSqlConnection, type AbstractSqlPlatform, type Column, type SqlSchemaGenerator } from '@mikro-orm/sql';
import { EXACT_COLLATIONS } from './mysql-server.ts';

/**
 * Databases made before migrations existed: Cadre then created and updated its tables at every
 * start with MikroORM's safe schema update, and kept no migrations table. Such a database is
 * adopted once: the safe difference between its tables and the schema of the first migration
 * (`initial-schema.json`, written when that migration was generated) is applied (nothing for a
 * database the last pre-migration Cadre started; collations or columns for an older one), and
 * the first migration is recorded as executed without running it. Later migrations then apply
 * as on any database, and the rows are kept.
 */
export interface LegacyAdoption {
  /** The first migration, whose schema `initialSchemaFile` holds. */
  initialMigration: string;
  initialSchemaFile: string;
  /** A table every pre-migration database has: its presence marks one. */
  markerTable: string;
  /** MySQL-protocol servers: the binary collation this server compares exactly with. */
  exactCollation?: string;
}

/** Adopts the database if it is a pre-migration one; says whether it was. Runs under the migration lock. */
export async function adoptLegacySchema(orm: MikroORM, migrator: Migrator, adoption: LegacyAdoption): Promise<boolean> {
  const connection = orm.em.getConnection() as AbstractSqlConnection;
  const platform = orm.em.getPlatform() as AbstractSqlPlatform;
  const schemaName = orm.config.get('schema', platform.getDefaultSchemaName());
  if (!(await platform.getSchemaHelper()!.tableExists(connection, adoption.markerTable, schemaName))) return false;
  await applySafeDifference(orm, await readInitialSchema(orm, adoption));
  await migrator.logMigration(adoption.initialMigration);
  return true;
}

/** Adds what `target` has and the database lacks, as MikroORM's safe schema update does (never drops). */
export async function applySafeDifference(orm: MikroORM, target: DatabaseSchema): Promise<void> {
  const platform = orm.em.getPlatform() as AbstractSqlPlatform;
  const schemaName = orm.config.get('schema', platform.getDefaultSchemaName());
  const current = await DatabaseSchema.create(orm.em.getConnection() as AbstractSqlConnection, platform, orm.config, schemaName);
  const generator = orm.schema as unknown as SqlSchemaGenerator;
  const diff = new SchemaComparator(platform).compare(current, target);
  const sql = generator.diffToSQL(diff, { wrap: false, safe: true, dropTables: false });
  if (sql.trim()) await generator.execute(sql);
}

/** The schema of the first migration (what the last pre-migration Cadre made). */
export async function readInitialSchema(orm: MikroORM, adoption: LegacyAdoption): Promise<DatabaseSchema> {
  const platform = orm.em.getPlatform() as AbstractSqlPlatform;
  return readSchema(adoption, platform, orm.config.get('schema', platform.getDefaultSchemaName()));
}

/** The inverse of `JSON.stringify(DatabaseSchema)`, as MikroORM's migrator reads its snapshots. */
async function readSchema(adoption: LegacyAdoption, platform: AbstractSqlPlatform, schemaName: string | undefined): Promise<DatabaseSchema> {
  const data = JSON.parse(await readFile(adoption.initialSchemaFile, 'utf8')) as {
    tables: Array<{ name: string; schema?: string; comment?: string; columns: Record<string, Column & { mappedType: string }>; indexes?: never; checks?: never; foreignKeys?: never }>;
  };
  const known = new Set<string>(EXACT_COLLATIONS);
  const schema = new DatabaseSchema(platform, schemaName ?? '');
  schema.setTables(data.tables.map((tbl) => {
    const table = new DatabaseTable(platform, tbl.name, tbl.schema);
    table.comment = tbl.comment;
    if (tbl.indexes) table.setIndexes(tbl.indexes);
    if (tbl.checks) table.setChecks(tbl.checks);
    if (tbl.foreignKeys) table.setForeignKeys(tbl.foreignKeys);
    for (const column of Object.values(tbl.columns)) {
      const mapped = (t as Record<string, unknown>)[column.mappedType] ?? UnknownType;
      // The file was written against one MySQL-protocol server; this one may name its exact collation differently.
      const collation = column.collation && adoption.exactCollation && known.has(column.collation) ? adoption.exactCollation : column.collation;
      table.addColumn({ ...column, collation, mappedType: Type.getType(mapped as typeof UnknownType) });
    }
    return table;
  }));
  return schema;
}
