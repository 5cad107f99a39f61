import type { EntityManager } from '@mikro-orm/core';
import { ExecutionRun } from './entities/index.ts';
import { deleteRunRecords } from './run-deletion.ts';
import type { PageQuery, RunRepository, Slice } from '../domain/repositories.ts';
import type { RunOutcome, RunRecord, RunStatus } from '../domain/run-records.ts';

function toRecord(r: ExecutionRun): RunRecord {
  return {
    id: Number(r.id),
    tenantId: r.tenantId,
    hierarchyId: r.hierarchyId,
    task: r.task,
    status: r.status as RunStatus,
    result: r.result ?? null,
    error: r.error ?? null,
    statistics: r.statistics ?? null,
    topologySnapshot: r.topologySnapshot ?? null,
    traceId: r.traceId ?? null,
    startedAt: r.startedAt ?? null,
    completedAt: r.completedAt ?? null,
    createdAt: r.createdAt,
    owner: r.owner ?? null,
  };
}

export class SqlRunRepository implements RunRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  async list(query: PageQuery & { hierarchyId?: string; status?: RunStatus }): Promise<Slice<RunRecord>> {
    const where: Record<string, unknown> = {};
    if (query.hierarchyId !== undefined) where.hierarchyId = query.hierarchyId;
    if (query.status !== undefined) where.status = query.status;
    const [rows, total] = await this.#em.findAndCount(ExecutionRun, where, {
      orderBy: { id: 'desc' },
      limit: query.size,
      offset: (query.page - 1) * query.size,
    });
    return { items: rows.map(toRecord), total };
  }

  async find(id: number): Promise<RunRecord | null> {
    // Always read the row as stored now: runs change underneath a long-lived fork.
    const row = await this.#em.findOne(ExecutionRun, { id }, { refresh: true });
    return row ? toRecord(row) : null;
  }

  async create(fields: { hierarchyId: string; task: string; topologySnapshot: Record<string, unknown>; owner?: string | null }): Promise<RunRecord> {
    const row = this.#em.create(ExecutionRun, {
      tenantId: this.#tenantId,
      hierarchyId: fields.hierarchyId,
      task: fields.task,
      status: 'pending',
      topologySnapshot: fields.topologySnapshot,
      owner: fields.owner ?? null,
    });
    await this.#em.flush();
    return toRecord(row);
  }

  countActive(): Promise<number> {
    return this.#em.count(ExecutionRun, { status: { $in: ['pending', 'running'] } });
  }

  async discardRefused(id: number): Promise<void> {
    // Never started: no event, no owner work to undo. The created entity leaves the fork too.
    await this.#em.nativeDelete(ExecutionRun, { id, status: 'pending' });
    const row = this.#em.getUnitOfWork().getById(ExecutionRun, id);
    if (row) this.#em.getUnitOfWork().unsetIdentity(row);
  }

  async markRunning(id: number, startedAt: Date, traceId: string | null = null): Promise<void> {
    await this.#em.nativeUpdate(ExecutionRun, { id, status: 'pending' }, { status: 'running', startedAt, traceId });
  }

  async finish(id: number, outcome: RunOutcome, completedAt: Date): Promise<boolean> {
    const changed = await this.#em.nativeUpdate(
      ExecutionRun,
      { id, status: { $in: ['pending', 'running'] } },
      {
        status: outcome.status,
        result: outcome.result ?? null,
        error: outcome.error ?? null,
        statistics: outcome.statistics ?? null,
        completedAt,
      },
    );
    return changed > 0;
  }

  async delete(id: number): Promise<boolean> {
    return (await deleteRunRecords(this.#em, [id], this.#tenantId)) > 0;
  }
}
