import type { EntityMetadata } from '@mikro-orm/core';

/**
 * SQLite's auto-incrementing key must be declared `integer primary key` (the rowid), which is
 * what MikroORM creates for our bigint ids, but its schema diff then reads the column back as
 * `integer` and finds it differs from `bigint`: each diff proposed rebuilding execution_run and
 * execution_event (copying every event). Declaring the column type that is really created makes
 * the diff empty, so generated migrations hold only real changes.
 */
export function sqliteColumnTypes(meta: EntityMetadata): void {
  for (const prop of meta.props) {
    if (prop.primary && prop.autoincrement) prop.columnTypes = ['integer'];
  }
}
