import type { EntityManager } from '@mikro-orm/core';
import { SqlitePlatform, type SqlEntityManager } from '@mikro-orm/sql';
import { agentErrorsOf } from '../domain/run-summary.ts';
import type { RunOutcome, RunStatus } from '../domain/run-records.ts';

/**
 * The statements every run pays at its start and end (admission's counts, marking it running,
 * recording its end), straight through Kysely with bound parameters rather than through the
 * ORM: at 100 concurrent runs the ORM's query building, value formatting and unit of work were
 * ~20 % of the main thread, and its inlined values made SQLite parse each run's statistics JSON
 * as SQL text (an end's UPDATE cost ~1.4 ms of CPU; bound, ~0.5 ms). Values are converted here
 * as the ORM would store them (dates by the platform, JSON as text), so rows read back through
 * the entities the same on SQLite, PostgreSQL and MySQL.
 *
 * No ORM filter applies below: a tenant-scoped caller passes its tenant in the match.
 */

/** The columns of `execution_run` and `run_checkpoint` written or matched here (entities/execution-run.entity.ts). */
interface RunRowTables {
  execution_run: {
    /** Never null in a row: typed so because an insert leaves it out (the database assigns it). */
    id: number | null;
    tenant_id: string; hierarchy_id: string; thread_id: string | null; thread_queued: boolean | number; task: string;
    topology_snapshot: string; budget: string | null; metadata: string | null; created_at: unknown;
    owner: string | null; status: string; started_at: unknown; trace_id: string | null;
    result: string | null; error: string | null; error_code: string | null; statistics: string | null; agent_errors: number | null; completed_at: unknown;
  };
  run_checkpoint: { run_id: number };
}

/** Which run rows a statement touches: always by status; by id, tenant and owner when given. */
export interface RunRowMatch {
  id?: number;
  tenantId?: string;
  owner?: string;
  statuses: readonly RunStatus[];
}

function rowsOf(em: EntityManager) {
  return (em as SqlEntityManager).getKysely<RunRowTables>();
}

export async function countRunRows(em: EntityManager, match: RunRowMatch): Promise<number> {
  const { id, tenantId, owner, statuses } = match;
  const row = await rowsOf(em).selectFrom('execution_run').select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('status', 'in', [...statuses])
    .$if(id !== undefined, (q) => q.where('id', '=', id!))
    .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
    .$if(owner !== undefined, (q) => q.where('owner', '=', owner!))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A new run's row, as runs/start writes it (status pending). */
export interface NewRunRow {
  tenantId: string;
  hierarchyId: string;
  threadId: string | null;
  threadQueued: boolean;
  task: string;
  topologySnapshot: Record<string, unknown>;
  owner: string | null;
  budget: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
}

const jsonOrNull = (value: Record<string, unknown> | null) => (value === null ? null : JSON.stringify(value));

/** Inserts a pending run; resolves with its id (increasing: the table's autoincrement key). */
export async function insertRunRow(em: EntityManager, run: NewRunRow): Promise<number> {
  const platform = em.getPlatform();
  const insert = rowsOf(em).insertInto('execution_run').values({
    tenant_id: run.tenantId,
    hierarchy_id: run.hierarchyId,
    thread_id: run.threadId,
    // libsql takes no boolean parameter (its binding aborts the process): SQLite stores 0/1 anyway.
    thread_queued: platform instanceof SqlitePlatform ? Number(run.threadQueued) : run.threadQueued,
    task: run.task,
    status: 'pending',
    topology_snapshot: JSON.stringify(run.topologySnapshot),
    owner: run.owner,
    budget: jsonOrNull(run.budget),
    metadata: jsonOrNull(run.metadata),
    created_at: platform.processDateProperty(run.createdAt),
  });
  // PostgreSQL and SQLite say the new key with RETURNING; MySQL and MariaDB as the insert id.
  if (platform.usesReturningStatement()) return Number((await insert.returning('id').executeTakeFirstOrThrow()).id);
  const { insertId } = await insert.executeTakeFirstOrThrow();
  if (insertId === undefined) throw new Error('execution_run: the insert returned no id');
  return Number(insertId);
}

/** The status of the matching run (by id; tenant-scoped when the match has one), null when none matches. */
export async function runRowStatus(em: EntityManager, match: Omit<RunRowMatch, 'statuses'> & { id: number }): Promise<RunStatus | null> {
  const { id, tenantId } = match;
  const row = await rowsOf(em).selectFrom('execution_run').select('status')
    .where('id', '=', id)
    .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
    .executeTakeFirst();
  return row ? (row.status as RunStatus) : null;
}

/** status running from `startedAt`; resolves with the rows changed (0: no row matched). */
export async function markRunRowRunning(em: EntityManager, match: RunRowMatch, startedAt: Date, traceId: string | null): Promise<number> {
  const platform = em.getPlatform();
  return updateRunRows(em, match, { status: 'running', started_at: platform.processDateProperty(startedAt), trace_id: traceId });
}

/**
 * Records a run's end: one mapping of an outcome to its columns for every way an end is
 * recorded. An ended run is never resumed, so its checkpoint (possibly MBs) goes with it.
 * True when this call ended it (a matching live row).
 */
export async function endRunRow(em: EntityManager, match: RunRowMatch & { id: number }, outcome: RunOutcome, completedAt: Date): Promise<boolean> {
  const platform = em.getPlatform();
  const statistics = outcome.statistics ?? null;
  const changed = await updateRunRows(em, match, {
    status: outcome.status,
    result: outcome.result ?? null,
    error: outcome.error ?? null,
    error_code: outcome.errorCode ?? null,
    statistics: jsonOrNull(statistics),
    agent_errors: agentErrorsOf(statistics),
    completed_at: platform.processDateProperty(completedAt),
  });
  if (changed === 0) return false;
  await rowsOf(em).deleteFrom('run_checkpoint').where('run_id', '=', match.id).execute();
  return true;
}

/** One UPDATE of the matching rows; resolves with how many it changed. */
async function updateRunRows(em: EntityManager, match: RunRowMatch, values: Partial<RunRowTables['execution_run']>): Promise<number> {
  const { id, tenantId, owner, statuses } = match;
  const result = await rowsOf(em).updateTable('execution_run').set(values)
    .where('status', 'in', [...statuses])
    .$if(id !== undefined, (q) => q.where('id', '=', id!))
    .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
    .$if(owner !== undefined, (q) => q.where('owner', '=', owner!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
