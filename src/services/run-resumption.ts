import { isTerminal } from '../events/run-event.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import { OWNER_LOST } from '../host/run-runtime.ts';
import type { RunLaunch, RunRestore } from '../host/run-launch.ts';
import type { LostRun, ResumeDecision } from '../host/process-host.ts';
import type { ClaimForResumeOptions, RunOwnership } from '../domain/run-ownership.ts';
import type { RunCheckpoints } from '../domain/run-checkpoints.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../domain/run-records.ts';
import type { RunPlan } from '../actors/run-plan.ts';
import type { Logger } from '../logging/logger.ts';
import { getHierarchy } from './hierarchy-service.ts';
import { launchOf, planRun, type PlanLimits } from './run-planner.ts';
import { contextForRun, DEFAULT_THREAD_CONTEXT } from './thread-context.ts';

export interface RunResumptionDeps {
  runtime: RunRuntime;
  ownership: RunOwnership;
  checkpoints: RunCheckpoints;
  eventLog: EventLog;
  repositories(tenantId: string): TenantRepositories;
  limits: PlanLimits;
  /** This process's current id (it changes when its lease lapsed and it registered anew). */
  processId(): string;
  logger: Logger;
  /** Counts each decision (resumed, failed). */
  count?(outcome: 'resumed' | 'failed'): void;
}

/** The plan a checkpoint's run context holds (the run machine's context is plain data). */
function planOfCheckpoint(snapshot: unknown): RunPlan | null {
  const plan = (snapshot as { context?: { plan?: RunPlan } } | null)?.context?.plan;
  return plan && typeof plan.runId === 'number' ? plan : null;
}

const agentIdsOf = (plan: RunPlan): string[] =>
  [plan.globalSupervisor.agentId, ...plan.teams.flatMap((t) => [t.supervisor.agentId, ...t.workers.map((w) => w.agentId)])];

/**
 * Durable runs: a run whose process was lost — killed, cut off, or handed on at shutdown — goes
 * on here from its last checkpoint, as its hierarchy's policy allows (`on_owner_lost`,
 * `max_resumes`). The claim decides who resumes it (exactly one process wins, and the lost owner
 * is fenced off); the live parts (models, credentials) are made anew here from the database.
 */
export class RunResumption {
  readonly #deps: RunResumptionDeps;

  constructor(deps: RunResumptionDeps) {
    this.#deps = deps;
  }

  /**
   * Resumes `run`, lost by `from` (null: handed on, or never taken), in this process when it
   * can and may; else says what its end should say (the caller ends it as before).
   */
  async resumeLost(run: LostRun, from: string | null, reason: string, claim: ClaimForResumeOptions = {}): Promise<ResumeDecision> {
    const { repositories, eventLog, ownership, runtime, logger } = this.#deps;
    // Shutting down: a run handed on (or lost) is left for a process that stays.
    if (!runtime.accepting) return { taken: true };
    const repos = repositories(run.tenantId);
    const record = await repos.runs.find(run.id);
    if (!record || terminalStatuses.has(record.status)) return { taken: false, error: OWNER_LOST };
    // Its end was streamed already (the owner died recording it): that end is recorded, nothing resumed.
    const last = await eventLog.last(run.id);
    if (last && isTerminal(last)) return { taken: false, error: OWNER_LOST };
    const prepared = await this.prepare(repos, record);
    if ('refused' in prepared) return this.#refuse(run, OWNER_LOST, prepared.refused);
    const { launch, snapshot, checkpoint } = prepared;
    const { plan } = launch;
    if (plan.onOwnerLost === 'fail') return this.#refuse(run, OWNER_LOST, 'its hierarchy says on_owner_lost: fail');
    const previous = record.resumes.length;
    if (previous >= plan.maxResumes) return this.#refuse(run, `${OWNER_LOST} ${previous + 1} times`, `max_resumes is ${plan.maxResumes}`);
    const me = this.#deps.processId();
    const resumes = await ownership.claimForResume(run.id, from, me, {
      at: new Date().toISOString(), from_process: from, to_process: me, reason, checkpoint_sequence: checkpoint?.sequence ?? null,
    }, claim);
    if (!resumes) return { taken: true }; // another process won it
    // Read after the claim: the lost owner's appends end here (any later one conflicts and fences it).
    const end = await eventLog.last(run.id);
    const restore: RunRestore = {
      snapshot: snapshot as RunRestore['snapshot'],
      firstSequence: (end?.sequence ?? 0) + 1,
      resumed: { resume: resumes.length, from_process: from, checkpoint_sequence: checkpoint?.sequence ?? null, reason },
    };
    try {
      void runtime.resume(launch, restore);
    } catch (err) {
      // Shutting down: the run goes back to where it was, for another process.
      await ownership.claim(run.id, me, from);
      logger.warn('a lost run could not be resumed here (shutting down); handed back', { run_id: run.id, error: String(err) });
      return { taken: true };
    }
    this.#deps.count?.('resumed');
    logger.warn('resumed a run whose owner was lost', {
      run_id: run.id, from_process: from, resume: resumes.length, checkpoint_sequence: checkpoint?.sequence ?? null, first_sequence: restore.firstSequence,
    });
    return { taken: true };
  }

  /**
   * What continuing `record` here takes: its launch (the models made now, from the database; the
   * plan its checkpoint carries) and its checkpoint (parsed; null: none, it starts over), or
   * why it cannot be continued. Shared by a lost run's resume and a human's response.
   */
  async prepare(repos: TenantRepositories, record: RunRecord): Promise<
    { launch: RunLaunch; snapshot: unknown; checkpoint: { sequence: number } | null } | { refused: string }
  > {
    const checkpoint = await this.#deps.checkpoints.load(record.id);
    const snapshot: unknown = checkpoint ? JSON.parse(checkpoint.snapshot) : null;
    let launch;
    try {
      // Without a checkpoint the run starts over: with the thread context it was started with.
      const context = snapshot === null ? await contextForRun(repos, record, this.#deps.limits.threadContext ?? DEFAULT_THREAD_CONTEXT) : [];
      const planned = await planRun(repos, await getHierarchy(repos, record.hierarchyId, { forRun: true }), record.task, this.#deps.limits, record.budget, context, record.metadata);
      launch = launchOf(planned, record.id);
    } catch (err) {
      return { refused: `it cannot be planned again: ${(err as Error).message}` };
    }
    // A checkpoint carries the plan the run started with; the models are this process's, made now.
    const checkpointPlan = snapshot === null ? null : planOfCheckpoint(snapshot);
    if (snapshot !== null && !checkpointPlan) return { refused: 'its checkpoint is unreadable' };
    const plan = checkpointPlan ?? launch.plan;
    const missing = agentIdsOf(plan).filter((id) => !launch.models.has(id));
    if (missing.length > 0) return { refused: `its hierarchy no longer has agent ${missing[0]}` };
    return { launch: { ...launch, plan }, snapshot, checkpoint: checkpoint ? { sequence: checkpoint.sequence } : null };
  }

  /** Not resumed: the run ends with `error` (the lost-owner error unless its resumes ran out); `why` is logged. */
  #refuse(run: LostRun, error: string, why: string): ResumeDecision {
    this.#deps.count?.('failed');
    this.#deps.logger.warn('a run whose owner was lost is not resumed', { run_id: run.id, error, why });
    return { taken: false, error };
  }
}
