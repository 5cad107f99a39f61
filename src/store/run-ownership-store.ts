import type { EntityManager } from '@mikro-orm/core';
import type { Orm } from './init-orm.ts';
import { CadreProcess, ExecutionRun } from './entities/index.ts';
import type { OwnedRun, RunOwnership } from '../domain/run-ownership.ts';
import type { RunOutcome } from '../domain/run-records.ts';

const LIVE = ['pending', 'running'];
/** Ownership is a host job across tenants: the tenant filter is off for every query here. */
const ACROSS_TENANTS = { filters: false } as const;

function ownedRun(r: Pick<ExecutionRun, 'id' | 'tenantId' | 'owner' | 'status'>): OwnedRun {
  return { id: Number(r.id), tenantId: r.tenantId, owner: r.owner ?? null, status: r.status as OwnedRun['status'] };
}

/** RunOwnership on the SQL store: each change one conditional UPDATE, so exactly one writer wins. */
export class SqlRunOwnership implements RunOwnership {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  #em(): EntityManager {
    return this.#orm.em.fork();
  }

  async register(processId: string, description: string, at: Date): Promise<void> {
    const em = this.#em();
    em.create(CadreProcess, { id: processId, heartbeatAt: at, startedAt: at, description: description.slice(0, 255) });
    await em.flush();
  }

  async heartbeat(processId: string, at: Date, leaseMs: number): Promise<boolean> {
    // Refused once lapsed: by then another process may be failing this one's runs, and a
    // renewed heartbeat must not make them look owned again.
    const changed = await this.#em().nativeUpdate(
      CadreProcess,
      { id: processId, heartbeatAt: { $gte: new Date(at.getTime() - leaseMs) } },
      { heartbeatAt: at },
    );
    return changed > 0;
  }

  async deregister(processId: string): Promise<void> {
    await this.#em().nativeDelete(CadreProcess, { id: processId });
  }

  async take(runId: number, processId: string, at: Date): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, status: 'pending', owner: null }, { owner: processId, status: 'running', startedAt: at }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async release(runId: number, processId: string): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, owner: processId, status: { $in: LIVE } }, { owner: null, status: 'pending', startedAt: null }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async markRunning(runId: number, processId: string, at: Date, traceId: string | null = null): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, owner: processId, status: { $in: LIVE } }, { status: 'running', startedAt: at, traceId }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async finishOwned(runId: number, processId: string, outcome: RunOutcome, at: Date): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun,
      { id: runId, owner: processId, status: { $in: LIVE } },
      {
        status: outcome.status,
        result: outcome.result ?? null,
        error: outcome.error ?? null,
        statistics: outcome.statistics ?? null,
        completedAt: at,
      },
      ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async liveOwner(runId: number): Promise<string | null | undefined> {
    const row = await this.#em().findOne(ExecutionRun, { id: runId, status: { $in: LIVE } }, { ...ACROSS_TENANTS, fields: ['owner'] });
    return row ? (row.owner ?? null) : undefined;
  }

  async owns(runId: number, processId: string): Promise<boolean> {
    const n = await this.#em().count(ExecutionRun, { id: runId, owner: processId, status: { $in: LIVE } }, ACROSS_TENANTS);
    return n > 0;
  }

  async lapsedRuns(at: Date, leaseMs: number, limit: number): Promise<OwnedRun[]> {
    const em = this.#em();
    const alive = await em.find(CadreProcess, { heartbeatAt: { $gte: new Date(at.getTime() - leaseMs) } }, { fields: ['id'] });
    const rows = await em.find(
      ExecutionRun,
      { status: { $in: LIVE }, owner: { $ne: null, ...(alive.length > 0 && { $nin: alive.map((p) => p.id) }) } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'owner', 'status'], orderBy: { id: 'asc' }, limit },
    );
    return rows.map(ownedRun);
  }

  async unownedRuns(createdBefore: Date): Promise<OwnedRun[]> {
    const rows = await this.#em().find(
      ExecutionRun, { status: { $in: LIVE }, owner: null, createdAt: { $lt: createdBefore } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'owner', 'status'], orderBy: { id: 'asc' } },
    );
    return rows.map(ownedRun);
  }

  async claim(runId: number, from: string | null, to: string | null): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, owner: from, status: { $in: LIVE } }, { owner: to }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async requestCancel(runId: number, tenantId: string, at: Date): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, tenantId, status: { $in: LIVE } }, { cancelRequestedAt: at }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async requestInspect(runId: number, tenantId: string, at: Date): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, tenantId, status: { $in: LIVE } }, { inspectRequestedAt: at }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async inspectRequests(processId: string): Promise<Array<{ id: number; tenantId: string }>> {
    const rows = await this.#em().find(
      ExecutionRun, { owner: processId, status: { $in: LIVE }, inspectRequestedAt: { $ne: null } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId'] },
    );
    return rows.map((r) => ({ id: Number(r.id), tenantId: r.tenantId }));
  }

  async publishTree(runId: number, processId: string, tree: Record<string, unknown>, at: Date): Promise<void> {
    await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, owner: processId }, { liveTree: tree, liveTreeAt: at, inspectRequestedAt: null }, ACROSS_TENANTS,
    );
  }

  async publishedTree(runId: number, tenantId: string): Promise<{ tree: Record<string, unknown>; at: Date } | null> {
    const row = await this.#em().findOne(ExecutionRun, { id: runId, tenantId }, { ...ACROSS_TENANTS, fields: ['liveTree', 'liveTreeAt'] });
    return row?.liveTree && row.liveTreeAt ? { tree: row.liveTree, at: row.liveTreeAt } : null;
  }

  async cancelRequests(processId: string): Promise<Array<{ id: number; tenantId: string }>> {
    const rows = await this.#em().find(
      ExecutionRun, { owner: processId, status: { $in: LIVE }, cancelRequestedAt: { $ne: null } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId'] },
    );
    return rows.map((r) => ({ id: Number(r.id), tenantId: r.tenantId }));
  }
}
