import type { EntityManager } from '@mikro-orm/core';
import { ExecutionRun, HierarchyTeam, PushConfig, RunCheckpoint } from './entities/index.ts';
import { terminalStatuses } from '../domain/run-records.ts';

/**
 * Deletes run records and the hierarchies POST /execute made for them (origin 'execute': one
 * per run), in one transaction. `tenantId` scopes it to one tenant (runs/delete); without it
 * it is the retention sweep's system job across tenants. Idempotent: runs already gone (another
 * process deleted them) are skipped. Returns the runs deleted. Their checkpoints and push configs go too; events are
 * the event log's.
 */
export async function deleteRunRecords(em: EntityManager, runIds: readonly number[], tenantId?: string): Promise<number> {
  if (runIds.length === 0) return 0;
  const scope = tenantId === undefined ? {} : { tenantId };
  // Read before the transaction, which then only writes: on SQLite (WAL) a transaction that read
  // first and writes after another connection (the event log's writer thread) committed fails
  // at once with SQLITE_BUSY_SNAPSHOT, without waiting; one whose first statement writes waits
  // out the lock (busy_timeout). A run deleted in between by another process is just not counted.
  const runs = await em.fork().find(ExecutionRun, { id: { $in: [...runIds] }, ...scope }, { filters: false, fields: ['id', 'hierarchyId'] });
  if (runs.length === 0) return 0;
  const ids = runs.map((r) => r.id);
  return em.fork().transactional(async (tx) => {
    // Checkpoints before runs: a checkpoint save locks its row, then reads the run's; the same
    // order here means the two cannot deadlock (InnoDB).
    await tx.nativeDelete(RunCheckpoint, { runId: { $in: ids } });
    await tx.nativeDelete(PushConfig, { runId: { $in: ids } }, { filters: false });
    const deleted = await tx.nativeDelete(ExecutionRun, { id: { $in: ids }, ...scope }, { filters: false });
    const hierarchies = [...new Set(runs.map((r) => r.hierarchyId))];
    await tx.nativeDelete(HierarchyTeam, { id: { $in: hierarchies }, origin: 'execute' }, { filters: false });
    return deleted;
  });
}

/**
 * Up to `limit` runs of any tenant that ended before `before` (oldest first): what retention
 * deletes. A run that ended without a recorded end time counts from its creation.
 */
export async function endedRunsBefore(em: EntityManager, before: Date, limit: number): Promise<number[]> {
  const rows = await em.fork().find(
    ExecutionRun,
    {
      status: { $in: [...terminalStatuses] },
      $or: [{ completedAt: { $lt: before } }, { completedAt: null, createdAt: { $lt: before } }],
    },
    { filters: false, fields: ['id'], orderBy: { id: 'asc' }, limit },
  );
  return rows.map((r) => Number(r.id));
}
