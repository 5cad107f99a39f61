import { ConflictError, NotFoundError, UnavailableError } from '../errors/app-error.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import type { ProcessHost } from '../host/process-host.ts';
import type { QueuedRun, RunQueue } from '../host/run-queue.ts';
import { endLostRun } from '../host/lost-run-ending.ts';
import { untilOrDeadline } from '../host/run-hand-off.ts';
import type { ControlAnswer, ControlChannel, ControlRequest } from '../host/control-channel.ts';
import type { RunOwnership } from '../domain/run-ownership.ts';
import { topologyOf } from '../actors/run-plan.ts';
import type { RunListQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../domain/run-records.ts';
import { getHierarchy } from './hierarchy-service.ts';
import { budgetOrNone, type Budget } from '../domain/budget-schemas.ts';
import { planRun, type PlanLimits } from './run-planner.ts';
import { executeQueuedRun, launchAdmitted } from './run-execution.ts';
import { readAllEvents, readEventPage, untilTerminalEvent, type EventPage } from './run-history.ts';
import { RunAdmission, type AdmissionLimits } from './run-admission.ts';
import type { ThreadTurn } from '../actors/run-plan.ts';
import { runTree, type RunTreeAnswer } from './run-tree.ts';

export interface RunServiceDeps {
  runtime: RunRuntime;
  host: ProcessHost;
  ownership: RunOwnership;
  /** The shared run queue (with Redis); null: runs execute in the process that accepted them. */
  queue: RunQueue | null;
  /** Requests to the process owning a run (with Redis); null: cancels go through the database only. */
  control: ControlChannel | null;
  repositories(tenantId: string): TenantRepositories;
  eventLog: EventLog;
  limits: PlanLimits;
  /** How long runs/cancel waits for the run to record its end before answering. */
  cancelWaitMs?: number;
  /** Bounds on queued runs and on each tenant's active runs (429 past them). */
  admission: AdmissionLimits;
  /** Cancels a run parked for a human (no process executes it); false when it was not waiting. */
  cancelWaiting?(repos: TenantRepositories, id: number): Promise<boolean>;
}

/** How long a run recorded as ended may take to show its terminal event in the log. */
const TERMINAL_EVENT_WAIT_MS = 5000;

/** What every read of a run the tenant does not have answers (404 RUN_NOT_FOUND). */
const runNotFound = (id: number) => new NotFoundError(`run ${id} not found`, 'RUN_NOT_FOUND');

/** Runs as the API sees them: start, read, cancel, inspect, history. Every call is tenant-bound. */
export class RunService {
  readonly #deps: RunServiceDeps;
  readonly #admission: RunAdmission;

  constructor(deps: RunServiceDeps) {
    this.#deps = deps;
    this.#admission = new RunAdmission({ runtime: deps.runtime, queue: deps.queue, limits: deps.admission });
  }

  get eventLog(): EventLog {
    return this.#deps.eventLog;
  }

  /**
   * `inlineHierarchy`: the hierarchy is the one POST /execute made for this run (no other start may use it).
   * `budget`: the run's own (runs/start's), replacing the hierarchy's run budget; stored with the run, so any process plans it the same.
   * `metadata`: the client's labels, kept with the run.
   * `thread`: the thread it continues, with the earlier turns it is given (thread-service.ts decides both);
   * a thread has one live run at a time: a start that finds an older live run of it, however
   * close the two starts were, is taken back with 409 THREAD_BUSY.
   */
  async start(
    repos: TenantRepositories, hierarchyId: string, task: string,
    options: { inlineHierarchy?: boolean; budget?: Budget; metadata?: Record<string, unknown>; thread?: { id: string; context: ThreadTurn[]; enqueue?: boolean } } = {},
  ): Promise<RunRecord> {
    const { runtime } = this.#deps;
    if (!runtime.accepting) throw new UnavailableError('the service is shutting down; no new run can start', 'SHUTTING_DOWN');
    const hierarchy = await getHierarchy(repos, hierarchyId, { forRun: options.inlineHierarchy });
    if (!hierarchy.isActive) throw new ConflictError(`hierarchy ${hierarchyId} is not active`, 'HIERARCHY_INACTIVE');
    const budget = budgetOrNone(options.budget) ?? null;
    const thread = options.thread;
    const planned = await planRun(repos, hierarchy, task, this.#deps.limits, budget, thread?.context, options.metadata);
    const { queue, host } = this.#deps;
    return this.#admission.admit(repos, async () => {
      const run = await repos.runs.create({
        hierarchyId, task, topologySnapshot: topologyOf({ ...planned.plan, runId: 0 }), owner: queue || thread?.enqueue ? null : host.processId, budget,
        threadId: thread?.id ?? null, metadata: options.metadata ?? null, threadQueued: thread?.enqueue ?? false,
      });
      // Enqueued: it waits its turn (thread-queue.ts starts it once the runs before it ended).
      if (thread?.enqueue) return run;
      const older = thread ? (await repos.runs.liveOfThread(thread.id)).find((r) => r.id < run.id) : undefined;
      if (older) {
        await repos.runs.discardRefused(run.id);
        throw new ConflictError(`thread ${thread!.id} has a live run (${older.id}): wait for it, cancel it, or start with multitask_strategy "interrupt"`, 'THREAD_BUSY');
      }
      return run;
    }, (run) => (run.threadQueued ? Promise.resolve() : launchAdmitted(this.#deps, repos, planned, run)));
  }

  /**
   * A run job this process took from the queue: it becomes the run's owner, plans the run from
   * the database and executes it; resolves when the run ended here (see run-execution.ts).
   */
  async executeQueued(job: QueuedRun): Promise<void> {
    return executeQueuedRun(this.#deps, job, (repos, id) => this.get(repos, id));
  }

  async list(repos: TenantRepositories, query: RunListQuery): Promise<Slice<RunRecord>> {
    return repos.runs.list(query);
  }

  /**
   * How a stream follows the run. Executing here: live (its actor leaves the directory only
   * after its terminal event is stored). Recorded as ended: history only (true). Executing in
   * another process: live when the event log carries other processes' events (Redis), else by
   * reading back what the owner stores ('poll'); either way the stream closes on the terminal event.
   */
  async hasEnded(repos: TenantRepositories, run: Pick<RunRecord, 'id' | 'status'>): Promise<boolean | 'poll'> {
    if (this.#deps.runtime.isLive(repos.tenantId, run.id)) return false;
    if (terminalStatuses.has(run.status)) {
      // Its owner (maybe another process) records the end just before appending the terminal
      // event: a stream opened in between must still end with that event.
      await untilTerminalEvent(this.#deps.eventLog, run.id, TERMINAL_EVENT_WAIT_MS);
      return true;
    }
    return this.#deps.eventLog.liveAcrossProcesses ? false : 'poll';
  }

  /** Settles when the run ends, if it is executing in this process for the tenant. */
  whenDone(repos: TenantRepositories, id: number): Promise<unknown> | undefined {
    return this.#deps.runtime.isLive(repos.tenantId, id) ? this.#deps.runtime.whenDone(id) : undefined;
  }

  /**
   * Resolves once the run ended, wherever it executes (with a queue, maybe in another process:
   * its record is polled then; its own time limit and the lease sweep bound the wait).
   */
  async untilEnded(repos: TenantRepositories, id: number, pollMs = 250): Promise<void> {
    const local = this.whenDone(repos, id);
    if (local) {
      await local.catch(() => undefined);
      return;
    }
    while (!terminalStatuses.has((await this.status(repos, id)).status)) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    await untilTerminalEvent(this.#deps.eventLog, id, TERMINAL_EVENT_WAIT_MS);
  }

  /** A run's id and status alone (404 when the tenant has no such run): what opening a stream needs. */
  async status(repos: TenantRepositories, id: number): Promise<Pick<RunRecord, 'id' | 'status'>> {
    const status = await repos.runs.statusOf(id);
    if (status === null) throw runNotFound(id);
    return { id, status };
  }

  async get(repos: TenantRepositories, id: number): Promise<RunRecord> {
    const run = await repos.runs.find(id);
    if (!run) throw runNotFound(id);
    return run;
  }

  async cancel(repos: TenantRepositories, id: number): Promise<RunRecord> {
    const run = await this.get(repos, id);
    if (terminalStatuses.has(run.status)) throw new ConflictError(`run ${id} already ended (${run.status})`, 'RUN_ALREADY_ENDED');
    if (run.status === 'waiting_input' && await this.#deps.cancelWaiting?.(repos, id)) return this.get(repos, id);
    const { runtime, queue, ownership, host } = this.#deps;
    const waitMs = this.#deps.cancelWaitMs ?? 5000;
    if (runtime.cancel(repos.tenantId, id)) {
      // Its end is reported by the runtime; here it is only waited for.
      await untilOrDeadline(runtime.whenDone(id)?.catch(() => undefined) ?? Promise.resolve(), waitMs);
    } else if (run.owner === null && (run.threadQueued || (queue ? await queue.withdraw(id) : true)) && await ownership.claim(id, null, host.processId)) {
      // Never taken by any process (enqueued behind its thread, withdrawn from the queue, or left
      // by a version without leases): this process ends it, with the terminal event its stream needs.
      await endLostRun({
        eventLog: this.#deps.eventLog, ownership, processId: host.processId, runId: id, status: 'cancelled',
        error: null, reason: 'cancelled before any process took it',
      });
    } else {
      // Executing in another process. The request is recorded first (its owner polls for it with
      // its heartbeat, whoever owns it by then), then, with Redis, sent to the owner directly.
      await ownership.requestCancel(id, repos.tenantId, new Date());
      const owner = (await this.get(repos, id)).owner;
      if (owner && this.#deps.control) await this.#deps.control.ask(owner, { kind: 'cancel', runId: id, tenantId: repos.tenantId }, waitMs + 1000);
      await this.#waitForEnd(repos, id, Math.max(waitMs, 10_000));
    }
    const after = await this.get(repos, id);
    // The run may have ended on its own while the cancel was on its way.
    if (terminalStatuses.has(after.status) && after.status !== 'cancelled') throw new ConflictError(`run ${id} already ended (${after.status})`, 'RUN_ALREADY_ENDED');
    if (!terminalStatuses.has(after.status)) throw new UnavailableError(`run ${id}: the cancel did not take effect in time; retry`, 'CANCEL_PENDING');
    return after;
  }

  /**
   * Deletes a run of the tenant: a live one is cancelled first (through cancel, wherever it
   * executes; a cancel that does not take effect in time fails the delete with 503), then its
   * events (which ends this process's streams of it) and its record with the hierarchy POST
   * /execute made for it. Events go first: a failure leaves a record to delete again, never
   * events nobody can reach.
   */
  async delete(repos: TenantRepositories, id: number): Promise<{ id: number; deleted: true }> {
    const run = await this.get(repos, id);
    if (!terminalStatuses.has(run.status)) {
      try {
        await this.cancel(repos, id);
      } catch (err) {
        // It ended on its own while the cancel was on its way: deleting goes on.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    await this.#deps.eventLog.deleteRuns([id]);
    if (!(await repos.runs.delete(id))) throw runNotFound(id);
    return { id, deleted: true };
  }

  /** Whether the tenant's run still exists (a stream polling a run another process executes stops when it is deleted). */
  async exists(repos: TenantRepositories, id: number): Promise<boolean> {
    return repos.runs.exists(id);
  }

  /** What this process answers another that asks about a run (see ControlChannel). */
  async answerControl(request: ControlRequest): Promise<ControlAnswer> {
    const { runtime } = this.#deps;
    if (request.kind === 'inspect') {
      const tree = runtime.inspect(request.tenantId, request.runId);
      return { found: tree !== null, tree };
    }
    // Inspection relays are the InspectionRelay's (routed there by the composition root): never a cancel.
    if (request.kind !== 'cancel' || !runtime.cancel(request.tenantId, request.runId)) return { found: false };
    await untilOrDeadline(runtime.whenDone(request.runId)?.catch(() => undefined) ?? Promise.resolve(), this.#deps.cancelWaitMs ?? 5000);
    return { found: true };
  }

  async #waitForEnd(repos: TenantRepositories, id: number, deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      if (terminalStatuses.has((await this.status(repos, id)).status)) {
        await untilTerminalEvent(this.#deps.eventLog, id, Math.max(0, Math.min(TERMINAL_EVENT_WAIT_MS, deadline - Date.now())));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The run's tree: live, or the final one; with `atSequence`, as it was at that event (see run-tree.ts). */
  async inspect(repos: TenantRepositories, id: number, atSequence?: number): Promise<RunTreeAnswer> {
    return runTree(this.#deps, repos, await this.get(repos, id), atSequence);
  }

  /** Every stored event of a run, parsed (the run's tenant is checked by the caller). */
  allEvents(id: number): Promise<Array<Record<string, unknown>>> {
    return readAllEvents(this.#deps.eventLog, id);
  }

  async events(repos: TenantRepositories, id: number, startId: string, endId: string, limit: number): Promise<EventPage> {
    if (!(await repos.runs.exists(id))) throw runNotFound(id);
    return readEventPage(this.#deps.eventLog, id, startId, endId, limit);
  }
}
