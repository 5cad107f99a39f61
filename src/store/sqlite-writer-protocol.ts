/**
 * Messages between the event log (main thread) and its SQLite writer thread. A tick's group
 * travels as one message of parallel column arrays: structured clone copies a few flat arrays
 * of primitives far faster than one object per row, and payloads stay the strings the sinks
 * serialised.
 */

export interface WriterThreadOptions {
  /** The database file (never `:memory:`: that cannot be shared between connections). */
  file: string;
  busyTimeoutMs: number;
}

export interface GroupRequest {
  type: 'group';
  id: number;
  /** `created_at` of every row, already in the column's stored form. */
  createdAt: number | string;
  /** One entry per batch (one run's append). */
  runIds: number[];
  counts: number[];
  /** One entry per event, the batches' events back to back. */
  sequences: number[];
  categories: string[];
  actions: string[];
  payloads: string[];
}

/**
 * Deletes every event of the runs (run deletion, retention), then gives the freed pages back
 * to the file system (`incremental_vacuum`): through the writer thread, so it is ordered with
 * the inserts sent before it and never blocks the main thread.
 */
export interface DeleteRequest {
  type: 'delete';
  id: number;
  runIds: number[];
}

export interface DeleteReply {
  type: 'delete';
  id: number;
  /** Rows deleted, or why nothing was. */
  deleted: number;
  error: WireError | null;
}

/**
 * One statement of another store on the writer's connection (a run's checkpoint): it is written
 * off the main thread, after the groups sent before it — a checkpoint after the events it covers.
 */
export interface StatementRequest {
  type: 'statement';
  id: number;
  sql: string;
  params: unknown[];
}

export interface StatementReply {
  type: 'statement';
  id: number;
  /** Rows changed, or why nothing was. */
  changes: number;
  error: WireError | null;
}

/** An error as it crosses the thread boundary: enough for the ORM's exception converter. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  rawCode?: number;
}

export interface GroupReply {
  type: 'group';
  id: number;
  /** Per batch of the request: null when stored, else why it was not. */
  errors: Array<WireError | null>;
}

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { code, rawCode } = err as Error & { code?: unknown; rawCode?: unknown };
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' && { code }),
    ...(typeof rawCode === 'number' && { rawCode }),
  };
}

export function fromWireError(wire: WireError): Error {
  const err = new Error(wire.message) as Error & { code?: string; rawCode?: number };
  err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  if (wire.rawCode !== undefined) err.rawCode = wire.rawCode;
  return err;
}
