/**
 * How a tick's rows are cut into multi-row INSERT statements: one statement per chunk, each
 * chunk as large as the backend allows. Shared by the in-thread writer (every backend) and the
 * SQLite writer thread.
 */

/** Bound values per `execution_event` row: run_id, sequence, category, action, payload, created_at. */
export const COLUMNS_PER_ROW = 6;

export type InsertBackend = 'sqlite' | 'postgresql' | 'mysql';

export interface InsertLimits {
  /** Rows per statement: the backend's bound-parameter limit divided by the columns per row. */
  rows: number;
  /** Payload characters per statement (a single larger event still goes alone). */
  payloadChars: number;
}

/**
 * - SQLite: SQLITE_MAX_VARIABLE_NUMBER is 32,766 (libsql's SQLite 3.45; checked: 32,767 fails).
 * - PostgreSQL: the wire protocol counts parameters in an int16, so 65,535 per statement.
 * - MySQL: mysql2's `query` interpolates values client-side, so there is no placeholder limit,
 *   but the whole statement must fit `max_allowed_packet` (16 MiB by default on MariaDB):
 *   2 Mi payload characters stay below it even if every character took 3 bytes of UTF-8, and
 *   rows are capped as for a prepared statement (65,535 placeholders) in case that changes.
 * Statement size does not bind SQLite (values are bound, not inlined) or PostgreSQL (1 GB).
 */
export function insertLimits(backend: InsertBackend): InsertLimits {
  switch (backend) {
    case 'sqlite':
      return { rows: Math.floor(32_766 / COLUMNS_PER_ROW), payloadChars: Number.POSITIVE_INFINITY };
    case 'postgresql':
      return { rows: Math.floor(65_535 / COLUMNS_PER_ROW), payloadChars: Number.POSITIVE_INFINITY };
    case 'mysql':
      return { rows: Math.floor(65_535 / COLUMNS_PER_ROW), payloadChars: 2 * 1024 * 1024 };
  }
}

/**
 * Cuts rows [from, to) into consecutive [start, end) chunks within `limits`; `payloadLength(i)`
 * is the payload size of row i. Every chunk holds at least one row.
 */
export function* insertChunks(
  from: number,
  to: number,
  payloadLength: (row: number) => number,
  limits: InsertLimits,
): Generator<[number, number]> {
  let start = from;
  while (start < to) {
    let end = start;
    let chars = 0;
    while (end < to && end - start < limits.rows) {
      chars += payloadLength(end);
      if (chars > limits.payloadChars && end > start) break;
      end++;
    }
    yield [start, end];
    start = end;
  }
}
