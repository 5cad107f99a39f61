import type { EntityManager } from '@mikro-orm/core';
import type { Orm } from './init-orm.ts';
import { CadreProcess, ExecutionRun, RunCheckpoint } from './entities/index.ts';
import { readResumes, writeResumes } from './resume-history.ts';
import { endRunRow, markRunRowRunning } from './run-row-statements.ts';
import type { ClaimForResumeOptions, OwnedRun, RunOwnership } from '../domain/run-ownership.ts';
import type { ResumeEntry, RunOutcome, RunStatus } from '../domain/run-records.ts';
import { MAX_PENDING_AGENT_REQUESTS, type AgentRequest } from '../domain/agent-requests.ts';

const LIVE: RunStatus[] = ['pending', 'running'];
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

  async processes(): Promise<Array<{ id: string; description: string }>> {
    const rows = await this.#em().find(CadreProcess, {}, { fields: ['id', 'description'], orderBy: { id: 'asc' } });
    return rows.map((r) => ({ id: r.id, description: r.description }));
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
    return (await markRunRowRunning(this.#em(), { id: runId, owner: processId, statuses: LIVE }, at, traceId)) > 0;
  }

  finishOwned(runId: number, processId: string, outcome: RunOutcome, at: Date): Promise<boolean> {
    return endRunRow(this.#em(), { id: runId, owner: processId, statuses: LIVE }, outcome, at);
  }

  async endedOwned(runId: number, processId: string): Promise<boolean> {
    return (await this.#em().count(ExecutionRun, { id: runId, owner: processId, status: { $nin: LIVE } }, ACROSS_TENANTS)) > 0;
  }

  async liveOwner(runId: number): Promise<string | null | undefined> {
    const row = await this.#em().findOne(ExecutionRun, { id: runId, status: { $in: LIVE } }, { ...ACROSS_TENANTS, fields: ['owner'] });
    return row ? (row.owner ?? null) : undefined;
  }

  async liveRun(runId: number): Promise<OwnedRun | undefined> {
    const row = await this.#em().findOne(ExecutionRun, { id: runId, status: { $in: LIVE } }, { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'owner', 'status'] });
    return row ? ownedRun(row) : undefined;
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
    const em = this.#em();
    const rows = await em.find(
      // A run enqueued behind its thread is not left behind: it waits its turn (enqueuedDue).
      ExecutionRun, { status: { $in: LIVE }, owner: null, threadQueued: false, createdAt: { $lt: createdBefore } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'owner', 'status'], orderBy: { id: 'asc' } },
    );
    if (rows.length === 0) return [];
    // A run with a checkpoint was handed off, waiting to be resumed (handedOffRuns), not left behind.
    const waiting = await em.find(RunCheckpoint, { runId: { $in: rows.map((r) => r.id) } }, { fields: ['runId'] });
    const handedOff = new Set(waiting.map((c) => Number(c.runId)));
    return rows.filter((r) => !handedOff.has(Number(r.id))).map(ownedRun);
  }

  async enqueuedDue(limit: number): Promise<OwnedRun[]> {
    const em = this.#em();
    const queued = await em.find(
      ExecutionRun, { threadQueued: true, status: 'pending', owner: null },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'owner', 'status', 'threadId'], orderBy: { id: 'asc' }, limit },
    );
    const due: OwnedRun[] = [];
    for (const run of queued) {
      // Due once it is the oldest live run of its thread (the live ones before it have ended).
      const older = await em.count(ExecutionRun, {
        threadId: run.threadId, id: { $lt: run.id }, status: { $in: ['pending', 'running', 'waiting_input'] },
      }, ACROSS_TENANTS);
      if (older === 0) due.push(ownedRun(run));
    }
    return due;
  }

  async releaseEnqueued(runId: number): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(ExecutionRun, { id: runId, threadQueued: true, status: 'pending', owner: null }, { threadQueued: false }, ACROSS_TENANTS);
    return changed > 0;
  }

  async claim(runId: number, from: string | null, to: string | null): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, owner: from, status: { $in: LIVE } }, { owner: to }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async claimForResume(runId: number, from: string | null, to: string, entry: ResumeEntry, options: ClaimForResumeOptions = {}): Promise<ResumeEntry[] | null> {
    // Compare-and-set: the UPDATE changes the owner and the history only if both are still as
    // read, so of racing claimers exactly one wins and no entry is lost. A history changed under
    // an unchanged owner means another claim won in between — the owner resuming its own run, or
    // the run going away and coming back — so this one lost: retrying it would let two
    // processes resume the run from the same owner.
    const em = this.#em();
    const row = await em.findOne(ExecutionRun, { id: runId, status: { $in: LIVE } }, { ...ACROSS_TENANTS, fields: ['owner', 'resumes'] });
    if (!row || (row.owner ?? null) !== from) return null;
    const before = row.resumes ?? null;
    const history = readResumes(before);
    // Compared as read; the UPDATE below changes nothing if the history moved since.
    if (options.unlessResumedTo !== undefined && history.at(-1)?.to_process === options.unlessResumedTo) return null;
    const after = [...history, entry];
    const changed = await em.nativeUpdate(
      ExecutionRun, { id: runId, owner: from, status: { $in: LIVE }, resumes: before }, { owner: to, resumes: writeResumes(after) }, ACROSS_TENANTS,
    );
    return changed > 0 ? after : null;
  }

  async resumesOf(runId: number): Promise<ResumeEntry[]> {
    const row = await this.#em().findOne(ExecutionRun, { id: runId }, { ...ACROSS_TENANTS, fields: ['resumes'] });
    return readResumes(row?.resumes);
  }

  async handOff(runId: number, processId: string): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, owner: processId, status: { $in: LIVE } }, { owner: null }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async handedOffRuns(limit: number): Promise<OwnedRun[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`handedOffRuns: limit must be a positive integer, got ${limit}`);
    const em = this.#em();
    const q = (name: string) => em.getPlatform().quoteIdentifier(name);
    // The limit is inlined (checked above): MySQL refuses a bound LIMIT in prepared statements.
    const rows: Array<{ id: number | string; tenant_id: string; status: string }> = await em.getConnection().execute(
      `select r.${q('id')} as ${q('id')}, r.${q('tenant_id')} as ${q('tenant_id')}, r.${q('status')} as ${q('status')} `
        + `from ${q('execution_run')} r join ${q('run_checkpoint')} c on c.${q('run_id')} = r.${q('id')} `
        + `where r.${q('owner')} is null and r.${q('status')} in ('pending', 'running') order by r.${q('id')} limit ${limit}`,
    );
    return rows.map((r) => ({ id: Number(r.id), tenantId: r.tenant_id, owner: null, status: r.status as OwnedRun['status'] }));
  }

  async requestCancel(runId: number, tenantId: string, at: Date): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, tenantId, status: { $in: LIVE } }, { cancelRequestedAt: at }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async requestAgent(runId: number, tenantId: string, request: AgentRequest): Promise<boolean> {
    const em = this.#em();
    // Compare-and-set, retried: two processes asking at once both get their request in.
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await em.findOne(ExecutionRun, { id: runId, tenantId, status: { $in: LIVE } }, { ...ACROSS_TENANTS, fields: ['agentRequests'] });
      if (!row) return false;
      const before = row.agentRequests ?? null;
      const after = JSON.stringify([...readAgentRequests(before), request].slice(-MAX_PENDING_AGENT_REQUESTS));
      const changed = await em.nativeUpdate(
        ExecutionRun, { id: runId, tenantId, status: { $in: LIVE }, agentRequests: before }, { agentRequests: after }, ACROSS_TENANTS,
      );
      if (changed > 0) return true;
    }
    throw new Error(`run ${runId}: agent requests kept changing under this one`);
  }

  async takeAgentRequests(processId: string): Promise<Array<{ id: number; tenantId: string; requests: AgentRequest[] }>> {
    const em = this.#em();
    const rows = await em.find(
      ExecutionRun, { owner: processId, status: { $in: LIVE }, agentRequests: { $ne: null } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'agentRequests'] },
    );
    const taken: Array<{ id: number; tenantId: string; requests: AgentRequest[] }> = [];
    for (const row of rows) {
      // Cleared only as read: a request appended meanwhile stays for the next heartbeat.
      const changed = await em.nativeUpdate(ExecutionRun, { id: row.id, agentRequests: row.agentRequests }, { agentRequests: null }, ACROSS_TENANTS);
      if (changed > 0) taken.push({ id: Number(row.id), tenantId: row.tenantId, requests: readAgentRequests(row.agentRequests) });
    }
    return taken;
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

function readAgentRequests(text: string | null | undefined): AgentRequest[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed as AgentRequest[] : [];
}
