import type { EntityManager } from '@mikro-orm/core';
import { ExecutionRun } from './entities/index.ts';
import { deleteRunRecords } from './run-deletion.ts';
import { readResumes } from './resume-history.ts';
import { runListWhere } from './run-list-filter.ts';
import { countRunRows, endRunRow, insertRunRow, markRunRowRunning, runRowStatus } from './run-row-statements.ts';
import { readHumanInputs } from '../domain/human-input.ts';
import type { RunListQuery, RunRepository, Slice, ThreadRunSummary } from '../domain/repositories.ts';
import type { RunOutcome, RunRecord, RunStatus } from '../domain/run-records.ts';
import type { Budget } from '../domain/budget-schemas.ts';

const LIVE: RunStatus[] = ['pending', 'running'];

function toRecord(r: ExecutionRun): RunRecord {
  return {
    id: Number(r.id),
    tenantId: r.tenantId,
    hierarchyId: r.hierarchyId,
    threadId: r.threadId ?? null,
    threadQueued: r.threadQueued ?? false,
    task: r.task,
    status: r.status as RunStatus,
    result: r.result ?? null,
    error: r.error ?? null,
    errorCode: r.errorCode ?? null,
    budget: (r.budget as Budget | null | undefined) ?? null,
    metadata: r.metadata ?? null,
    statistics: r.statistics ?? null,
    topologySnapshot: r.topologySnapshot ?? null,
    traceId: r.traceId ?? null,
    startedAt: r.startedAt ?? null,
    completedAt: r.completedAt ?? null,
    createdAt: r.createdAt,
    owner: r.owner ?? null,
    resumes: readResumes(r.resumes),
    pendingInputs: r.status === 'waiting_input' ? readHumanInputs(r.humanInputs).pending : [],
    waitingSince: r.waitingSince ?? null,
  };
}

export class SqlRunRepository implements RunRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  /** `total` counts every run the filters match, the cursor aside (what a cursor-paged client is told as its total). */
  async list(query: RunListQuery): Promise<Slice<RunRecord>> {
    if (query.beforeId === undefined) {
      const [rows, total] = await this.#em.findAndCount(ExecutionRun, runListWhere(query), { orderBy: { id: 'desc' }, limit: query.size, offset: (query.page - 1) * query.size });
      return { items: rows.map(toRecord), total };
    }
    const [rows, total] = await Promise.all([
      this.#em.find(ExecutionRun, { ...runListWhere(query), id: { $lt: query.beforeId } }, { orderBy: { id: 'desc' }, limit: query.size }),
      this.#em.count(ExecutionRun, runListWhere(query)),
    ]);
    return { items: rows.map(toRecord), total };
  }

  async find(id: number): Promise<RunRecord | null> {
    // Always read the row as stored now: runs change underneath a long-lived fork.
    const row = await this.#em.findOne(ExecutionRun, { id }, { refresh: true });
    return row ? toRecord(row) : null;
  }

  async exists(id: number): Promise<boolean> {
    return (await this.statusOf(id)) !== null;
  }

  statusOf(id: number): Promise<RunStatus | null> {
    // One column, not findOne: hydrating the row parses its JSON columns, ~1.5 ms for a big run's statistics.
    return runRowStatus(this.#em, { id, tenantId: this.#tenantId });
  }

  async create(fields: { hierarchyId: string; task: string; topologySnapshot: Record<string, unknown>; owner?: string | null; budget?: Budget | null; threadId?: string | null; metadata?: Record<string, unknown> | null; threadQueued?: boolean }): Promise<RunRecord> {
    const row = {
      tenantId: this.#tenantId,
      hierarchyId: fields.hierarchyId,
      threadId: fields.threadId ?? null,
      threadQueued: fields.threadQueued ?? false,
      task: fields.task,
      topologySnapshot: fields.topologySnapshot,
      owner: fields.owner ?? null,
      budget: fields.budget ?? null,
      metadata: fields.metadata ?? null,
      createdAt: new Date(),
    };
    const id = await insertRunRow(this.#em, row);
    return {
      ...row, id, status: 'pending', result: null, error: null, errorCode: null, statistics: null, traceId: null,
      startedAt: null, completedAt: null, resumes: [], pendingInputs: [], waitingSince: null,
    };
  }

  async threadSummary(threadId: string): Promise<ThreadRunSummary> {
    const runCount = await this.#em.count(ExecutionRun, { threadId });
    const last = runCount === 0 ? null : await this.#em.findOne(ExecutionRun, { threadId }, { orderBy: { id: 'desc' }, fields: ['id', 'status'], refresh: true });
    return { runCount, lastRun: last ? { id: Number(last.id), status: last.status as RunStatus } : null };
  }

  async liveOfThread(threadId: string): Promise<RunRecord[]> {
    const rows = await this.#em.find(ExecutionRun, { threadId, status: { $in: ['pending', 'running', 'waiting_input'] } }, { orderBy: { id: 'asc' }, refresh: true });
    return rows.map(toRecord);
  }

  async endedOfThread(threadId: string, beforeId: number | null, limit: number): Promise<RunRecord[]> {
    const where: Record<string, unknown> = { threadId, status: { $in: ['completed', 'failed', 'cancelled'] } };
    if (beforeId !== null) where.id = { $lt: beforeId };
    const rows = await this.#em.find(ExecutionRun, where, { orderBy: { id: 'desc' }, limit, refresh: true });
    return rows.map(toRecord);
  }

  countActive(): Promise<number> {
    return countRunRows(this.#em, { tenantId: this.#tenantId, statuses: LIVE });
  }

  async discardRefused(id: number): Promise<void> {
    // Never started: no event, no owner work to undo. The created entity leaves the fork too.
    await this.#em.nativeDelete(ExecutionRun, { id, status: 'pending' });
    const row = this.#em.getUnitOfWork().getById(ExecutionRun, id);
    if (row) this.#em.getUnitOfWork().unsetIdentity(row);
  }

  async markRunning(id: number, startedAt: Date, traceId: string | null = null): Promise<void> {
    await markRunRowRunning(this.#em, { id, tenantId: this.#tenantId, statuses: ['pending'] }, startedAt, traceId);
  }

  finish(id: number, outcome: RunOutcome, completedAt: Date): Promise<boolean> {
    return endRunRow(this.#em, { id, tenantId: this.#tenantId, statuses: LIVE }, outcome, completedAt);
  }

  async delete(id: number): Promise<boolean> {
    return (await deleteRunRecords(this.#em, [id], this.#tenantId)) > 0;
  }
}
