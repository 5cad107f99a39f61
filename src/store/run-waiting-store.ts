import type { EntityManager } from '@mikro-orm/core';
import type { Orm } from './init-orm.ts';
import { ExecutionRun } from './entities/index.ts';
import { readHumanInputs, writeHumanInputs, type HumanInputState, type PendingInput, type RunWaiting, type StoredHumanInputs } from '../domain/human-input.ts';

const WAITING = 'waiting_input';
/** A host job across tenants where no tenant is given: the tenant filter is off and tenants are matched explicitly. */
const ACROSS_TENANTS = { filters: false } as const;

/** RunWaiting on the SQL store: each change one conditional UPDATE (status, owner and state compared), so one writer wins. */
export class SqlRunWaiting implements RunWaiting {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  #em(): EntityManager {
    return this.#orm.em.fork();
  }

  async park(runId: number, processId: string, pending: PendingInput[], at: Date): Promise<boolean> {
    const em = this.#em();
    // Only this process writes the row's state while it owns the running run (responders need it waiting).
    const row = await em.findOne(ExecutionRun, { id: runId, owner: processId, status: 'running' }, { ...ACROSS_TENANTS, fields: ['humanInputs'] });
    if (!row) return false;
    const asked = new Set(pending.map((p) => p.request_id));
    // A request asked again (a response lost with the process that claimed it) is open, not answered.
    const answered = readHumanInputs(row.humanInputs).answered.filter((id) => !asked.has(id));
    const changed = await em.nativeUpdate(
      ExecutionRun, { id: runId, owner: processId, status: 'running' },
      { status: WAITING, owner: null, humanInputs: writeHumanInputs({ pending, answered }), waitingSince: at }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async read(runId: number, tenantId: string): Promise<StoredHumanInputs | null> {
    const row = await this.#em().findOne(
      ExecutionRun, { id: runId, tenantId }, { ...ACROSS_TENANTS, fields: ['id', 'tenantId', 'status', 'humanInputs', 'waitingSince'] },
    );
    return row ? { id: Number(row.id), tenantId: row.tenantId, status: row.status, raw: row.humanInputs ?? null, waitingSince: row.waitingSince ?? null } : null;
  }

  async claim(runId: number, processId: string, expectedRaw: string | null, next: HumanInputState): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, status: WAITING, humanInputs: expectedRaw },
      { status: 'running', owner: processId, humanInputs: writeHumanInputs(next), waitingSince: null }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async giveBack(runId: number, processId: string, raw: string | null, waitingSince: Date | null): Promise<boolean> {
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, status: 'running', owner: processId }, { status: WAITING, owner: null, humanInputs: raw, waitingSince }, ACROSS_TENANTS,
    );
    return changed > 0;
  }

  async waitingSince(before: Date, limit: number): Promise<Array<{ id: number; tenantId: string }>> {
    const rows = await this.#em().find(
      ExecutionRun, { status: WAITING, waitingSince: { $lt: before } },
      { ...ACROSS_TENANTS, fields: ['id', 'tenantId'], orderBy: { waitingSince: 'asc' }, limit },
    );
    return rows.map((r) => ({ id: Number(r.id), tenantId: r.tenantId }));
  }

  async claimExpired(runId: number, processId: string, before: Date): Promise<boolean> {
    // Its requests are cleared, not answered: a late answer is told the run is not waiting.
    const changed = await this.#em().nativeUpdate(
      ExecutionRun, { id: runId, status: WAITING, waitingSince: { $lt: before } },
      { status: 'running', owner: processId, humanInputs: null, waitingSince: null }, ACROSS_TENANTS,
    );
    return changed > 0;
  }
}
