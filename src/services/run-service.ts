import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../errors/app-error.ts';
import { isTerminal, outcomeOfTerminal, parseEventId, type StoredEvent } from '../events/run-event.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunRuntime } from '../actors/run-runtime.ts';
import type { ActorNode } from '../actors/actor-tree.ts';
import { topologyOf } from '../actors/run-plan.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../domain/run-records.ts';
import { getHierarchy } from './hierarchy-service.ts';
import { planRun, type PlanLimits } from './run-planner.ts';

export interface RunServiceDeps {
  runtime: RunRuntime;
  eventLog: EventLog;
  limits: PlanLimits;
  /** How long runs/cancel waits for the run to record its end before answering. */
  cancelWaitMs?: number;
}

export interface EventPage {
  run_id: number;
  /** As stored: each event's JSON is handed on without being parsed or serialised again. */
  events: StoredEvent[];
  count: number;
  has_more: boolean;
  next_id: string | null;
}

/** Runs as the API sees them: start, read, cancel, inspect, history. Every call is tenant-bound. */
export class RunService {
  readonly #deps: RunServiceDeps;

  constructor(deps: RunServiceDeps) {
    this.#deps = deps;
  }

  get eventLog(): EventLog {
    return this.#deps.eventLog;
  }

  async start(repos: TenantRepositories, hierarchyId: string, task: string): Promise<RunRecord> {
    const { runtime } = this.#deps;
    if (!runtime.accepting) throw new UnavailableError('the service is shutting down; no new run can start', 'SHUTTING_DOWN');
    const hierarchy = await getHierarchy(repos, hierarchyId);
    if (!hierarchy.isActive) throw new ConflictError(`hierarchy ${hierarchyId} is not active`, 'HIERARCHY_INACTIVE');
    const plan = await planRun(repos, hierarchy, task, this.#deps.limits);
    const run = await repos.runs.create({ hierarchyId, task, topologySnapshot: topologyOf({ ...plan, runId: 0 }) });
    try {
      // The run goes on in the background; its outcome is recorded by its own actor.
      void runtime.start({ ...plan, runId: run.id });
    } catch (err) {
      // Shutdown began while the run was being created: it never started, so say so.
      await repos.runs.finish(run.id, { status: 'failed', error: 'the service was shutting down' }, new Date());
      throw err;
    }
    return run;
  }

  /**
   * Whether the run will get no more events: it is not executing in this process (its actor
   * leaves the directory only after its terminal event is stored).
   */
  hasEnded(repos: TenantRepositories, id: number): boolean {
    return !this.#deps.runtime.isLive(repos.tenantId, id);
  }

  /** Settles when the run ends, if it is executing in this process for the tenant. */
  whenDone(repos: TenantRepositories, id: number): Promise<unknown> | undefined {
    return this.#deps.runtime.isLive(repos.tenantId, id) ? this.#deps.runtime.whenDone(id) : undefined;
  }

  async get(repos: TenantRepositories, id: number): Promise<RunRecord> {
    const run = await repos.runs.find(id);
    if (!run) throw new NotFoundError(`run ${id} not found`, 'RUN_NOT_FOUND');
    return run;
  }

  async cancel(repos: TenantRepositories, id: number): Promise<RunRecord> {
    const run = await this.get(repos, id);
    if (terminalStatuses.has(run.status)) throw new ConflictError(`run ${id} already ended (${run.status})`, 'RUN_ALREADY_ENDED');
    const { runtime } = this.#deps;
    if (runtime.cancel(repos.tenantId, id)) {
      const done = runtime.whenDone(id);
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#deps.cancelWaitMs ?? 5000); });
      await Promise.race([done?.catch(() => undefined), wait]);
      clearTimeout(timer);
    } else {
      await this.#settleOrphan(repos, id);
    }
    const after = await this.get(repos, id);
    // The run may have ended on its own while the cancel was on its way.
    if (terminalStatuses.has(after.status) && after.status !== 'cancelled') throw new ConflictError(`run ${id} already ended (${after.status})`, 'RUN_ALREADY_ENDED');
    return after;
  }

  /**
   * A run recorded as going but not executing here: either its end was streamed but could not
   * be recorded (the database failed), in which case that end is recorded now, or its process
   * died, in which case it is recorded as cancelled so it is not left hanging.
   */
  async #settleOrphan(repos: TenantRepositories, id: number): Promise<void> {
    const last = await this.#deps.eventLog.last(id);
    if (last && isTerminal(last)) {
      await repos.runs.finish(id, outcomeOfTerminal(last), new Date());
      return;
    }
    await repos.runs.finish(id, { status: 'cancelled', error: 'cancelled while not executing in this process' }, new Date());
  }

  async inspect(repos: TenantRepositories, id: number): Promise<{ run_id: number; live: boolean; status: string; tree: ActorNode | null }> {
    const run = await this.get(repos, id);
    const live = this.#deps.runtime.inspect(repos.tenantId, id);
    if (live) return { run_id: id, live: true, status: run.status, tree: live };
    const stored = (run.statistics?.actor_tree as ActorNode | undefined) ?? null;
    return { run_id: id, live: false, status: run.status, tree: stored };
  }

  /** Every stored event of a run, parsed (the run's tenant is checked by the caller). */
  async allEvents(id: number): Promise<Array<Record<string, unknown>>> {
    const events: Array<Record<string, unknown>> = [];
    for (let from = 1; ;) {
      const page = await this.#deps.eventLog.read(id, { from, limit: 5000 });
      for (const e of page) events.push(JSON.parse(e.json) as Record<string, unknown>);
      if (page.length < 5000) return events;
      from = page[page.length - 1]!.sequence + 1;
    }
  }

  async events(repos: TenantRepositories, id: number, startId: string, endId: string, limit: number): Promise<EventPage> {
    await this.get(repos, id);
    const from = startId === '-' ? 1 : parseEventId(startId);
    const to = endId === '+' ? undefined : parseEventId(endId);
    if (from === undefined) throw new ValidationError(`start_id: malformed event id "${startId}"`, undefined, 'INVALID_EVENT_ID');
    if (endId !== '+' && to === undefined) throw new ValidationError(`end_id: malformed event id "${endId}"`, undefined, 'INVALID_EVENT_ID');
    const rows = await this.#deps.eventLog.read(id, { from, ...(to !== undefined && { to }), limit: limit + 1 });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    return {
      run_id: id,
      events: page,
      count: page.length,
      has_more: hasMore,
      next_id: hasMore ? String(page[page.length - 1]!.sequence + 1) : null,
    };
  }
}
