import type { TenantRepositories } from '../domain/repositories.ts';
import type { LegacyExecuteRequest } from '../domain/legacy-execute.ts';
import type { RunRecord } from '../domain/run-records.ts';
import { createHierarchy } from './hierarchy-service.ts';
import type { RunService } from './run-service.ts';

/** The original's `/execute` answer: topology by ids, every event, result, error and statistics. */
export interface ExecuteAnswer {
  success: boolean;
  run_id: number;
  status: string;
  topology: {
    global_supervisor_id: string;
    teams: Array<{ team_id: string; team_name: string; supervisor_id: string; workers: Array<{ worker_id: string; worker_name: string; role: string }> }>;
  };
  events: Array<Record<string, unknown>>;
  result: string | null;
  error: string | null;
  statistics: Record<string, unknown> | null;
}

/**
 * The legacy synchronous execution: the inline hierarchy is stored (named `execute:<uuid>`, so
 * the run references a real hierarchy as every run does), the task runs as an ordinary run —
 * recorded, listed, streamable and cancellable while it executes — and the answer waits for
 * its end. Aborting `signal` (the client went away) cancels the run.
 */
export async function executeInline(runs: RunService, repos: TenantRepositories, request: LegacyExecuteRequest, signal: AbortSignal): Promise<ExecuteAnswer> {
  // Made for this run only: hidden from the tenant's hierarchies, deleted with the run.
  const hierarchy = await createHierarchy(repos, request.hierarchy, 'execute');
  let run: RunRecord;
  try {
    run = await runs.start(repos, hierarchy.id, request.task, { inlineHierarchy: true });
  } catch (err) {
    // Refused (429, a plan that failed, shutting down): no run was recorded, so the hierarchy
    // stored for it goes too — nothing else would ever delete a hidden hierarchy without a run.
    await repos.hierarchies.delete(hierarchy.id, { anyOrigin: true });
    throw err;
  }
  const cancel = () => {
    runs.cancel(repos, run.id).catch(() => {
      // The run ended on its own first (409) or is already gone: nothing left to cancel.
    });
  };
  if (signal.aborted) cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  try {
    await runs.untilEnded(repos, run.id);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  const ended = await runs.get(repos, run.id);
  return answerOf(ended, hierarchy.config, await runs.allEvents(run.id));
}

function answerOf(run: RunRecord, config: Awaited<ReturnType<typeof createHierarchy>>['config'], events: Array<Record<string, unknown>>): ExecuteAnswer {
  return {
    success: run.status === 'completed',
    run_id: run.id,
    status: run.status,
    topology: {
      global_supervisor_id: config.global_supervisor_agent.agent_id,
      teams: config.teams.map((team, i) => ({
        team_id: `team-${i + 1}`,
        team_name: team.name,
        supervisor_id: team.team_supervisor_agent.agent_id,
        workers: team.workers.map((w) => ({ worker_id: w.agent_id, worker_name: w.name, role: w.role })),
      })),
    },
    events,
    result: run.result,
    error: run.error,
    statistics: run.statistics,
  };
}
