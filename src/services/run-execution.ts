import { UnavailableError } from '../errors/app-error.ts';
import type { EventLog } from '../events/event-log.ts';
import { HANDED_BACK, type RunRuntime } from '../host/run-runtime.ts';
import type { ProcessHost } from '../host/process-host.ts';
import type { QueuedRun, RunQueue } from '../host/run-queue.ts';
import { endLostRun } from '../host/lost-run-ending.ts';
import type { RunOwnership } from '../domain/run-ownership.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { RunOutcome, RunRecord } from '../domain/run-records.ts';
import { getHierarchy } from './hierarchy-service.ts';
import { launchOf, planRun, type PlanLimits, type PlannedRun } from './run-planner.ts';
import { contextForRun, DEFAULT_THREAD_CONTEXT } from './thread-context.ts';

/** What bringing an accepted run to execution needs: the queue or this process's runtime, and the run's ownership. */
export interface RunExecutionDeps {
  runtime: RunRuntime;
  host: ProcessHost;
  ownership: RunOwnership;
  queue: RunQueue | null;
  repositories(tenantId: string): TenantRepositories;
  eventLog: EventLog;
  limits: PlanLimits;
}

/** Hands an admitted run to the shared queue, or to this process's runtime. */
export async function launchAdmitted(deps: RunExecutionDeps, repos: TenantRepositories, planned: PlannedRun, run: RunRecord): Promise<void> {
  const { queue, runtime } = deps;
  if (queue) {
    // Any process with a free slot takes it (executeQueuedRun); this one may be among them.
    try {
      await queue.enqueue({ runId: run.id, tenantId: repos.tenantId });
    } catch (err) {
      // Never queued, so never executed: it must not stay pending.
      await repos.runs.finish(run.id, { status: 'failed', error: 'the run could not be queued' }, new Date());
      throw err;
    }
    return;
  }
  try {
    // The run goes on in the background; its outcome is recorded by its own actor.
    void runtime.start(launchOf(planned, run.id));
  } catch (err) {
    // Shutdown began while the run was being created: it never started, so say so.
    await repos.runs.finish(run.id, { status: 'failed', error: 'the service was shutting down' }, new Date());
    throw err;
  }
}

/**
 * A run job this process took from the queue: it becomes the run's owner, plans the run from
 * the database and executes it; resolves when the run ended here. `getRun` is RunService.get,
 * so a run gone from the database fails planning with the same 404 message as any read of it.
 */
export async function executeQueuedRun(
  deps: RunExecutionDeps, job: QueuedRun, getRun: (repos: TenantRepositories, id: number) => Promise<RunRecord>,
): Promise<void> {
  const { host, ownership, runtime } = deps;
  // Shutting down: the job fails here and BullMQ retries it, in a process that is not leaving.
  if (!runtime.accepting) throw new UnavailableError('shutting down; the run goes back to the queue', 'SHUTTING_DOWN');
  if (!(await ownership.take(job.runId, host.processId, new Date()))) return; // cancelled while queued
  const repos = deps.repositories(job.tenantId);
  let planned;
  try {
    const run = await getRun(repos, job.runId);
    const context = await contextForRun(repos, run, deps.limits.threadContext ?? DEFAULT_THREAD_CONTEXT);
    planned = await planRun(repos, await getHierarchy(repos, run.hierarchyId, { forRun: true }), run.task, deps.limits, run.budget, context, run.metadata);
  } catch (err) {
    // The hierarchy or a model changed since the start was accepted: the run fails with the reason.
    await endLostRun({
      eventLog: deps.eventLog, ownership, processId: host.processId, runId: job.runId,
      error: (err as Error).message, reason: 'the run could not be planned when a process took it',
    });
    return;
  }
  let done: Promise<RunOutcome>;
  try {
    done = runtime.start(launchOf(planned, job.runId));
  } catch (err) {
    // Shutdown began while the run was being planned: it never began, so it goes back.
    await ownership.release(job.runId, host.processId);
    throw err;
  }
  const outcome = await done.catch(() => undefined);
  // Given back at shutdown before it began here: failing the job puts it back in the queue, for another process.
  if (outcome?.error === HANDED_BACK) throw new UnavailableError('shutting down; the run goes back to the queue', 'SHUTTING_DOWN');
}
