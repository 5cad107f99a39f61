import type { TenantRepositories } from '../../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../../domain/run-records.ts';
import type { RunService } from '../../services/run-service.ts';
import { checkpointIdOf, runUuidOf } from './lg-ids.ts';
import { clientMetadataOf, GRAPH_ID, interruptsOf, messagesOfRun, type LgMessage } from './lg-views.ts';

/**
 * A thread's state is its conversation: each run's task as a human message and, once it
 * completed, its answer as an ai message. The newest MAX_STATE_RUNS runs make it (a thread
 * grows without bound; its state answer does not), as they make its history: one state per run.
 */
export const MAX_STATE_RUNS = 50;
export const MAX_HISTORY = 50;

/** The thread a state is of (a ThreadView is one). */
export interface LgThreadRef {
  id: string;
  hierarchy_id: string;
}

/** The thread's newest runs, oldest first. */
export async function stateRuns(runs: RunService, repos: TenantRepositories, threadId: string): Promise<RunRecord[]> {
  const { items } = await runs.list(repos, { page: 1, size: MAX_STATE_RUNS, threadId });
  return items.reverse();
}

export function valuesOf(runs: readonly RunRecord[]): { messages: LgMessage[] } {
  return { messages: runs.flatMap(messagesOfRun) };
}

function checkpoint(threadId: string, run: RunRecord | undefined) {
  return { thread_id: threadId, checkpoint_ns: '', checkpoint_id: run ? checkpointIdOf(run.id, terminalStatuses.has(run.status)) : null, checkpoint_map: null };
}

/** The state after `runs[index]` (the empty state before any run: index -1). */
function stateAt(thread: LgThreadRef, runs: readonly RunRecord[], index: number) {
  const run = runs[index];
  const live = run !== undefined && !terminalStatuses.has(run.status);
  return {
    values: valuesOf(runs.slice(0, index + 1)),
    // A live run is the graph's one pending task: its supervisor (with a human's open requests as its interrupts).
    next: live ? ['global_supervisor'] : [],
    checkpoint: checkpoint(thread.id, run),
    metadata: run
      ? { ...clientMetadataOf(run), source: 'loop', step: index, run_id: runUuidOf(run.id), thread_id: thread.id, assistant_id: thread.hierarchy_id, graph_id: GRAPH_ID }
      : {},
    created_at: run ? (run.completedAt ?? run.startedAt ?? run.createdAt).toISOString() : null,
    parent_checkpoint: index > 0 ? checkpoint(thread.id, runs[index - 1]) : null,
    tasks: live
      ? [{ id: runUuidOf(run.id), name: 'global_supervisor', error: null, interrupts: interruptsOf(run)[runUuidOf(run.id)] ?? [], checkpoint: null, state: null }]
      : [],
  };
}

export function stateOf(thread: LgThreadRef, runs: readonly RunRecord[]) {
  return stateAt(thread, runs, runs.length - 1);
}

/**
 * The thread's states, newest first, at most `limit`; `before`: only those older than that
 * checkpoint (one of this thread's states, else none).
 */
export function historyOf(thread: LgThreadRef, runs: readonly RunRecord[], limit: number, before?: string) {
  let from = runs.length - 1;
  if (before !== undefined) {
    from = runs.findIndex((r) => checkpointIdOf(r.id, true) === before || checkpointIdOf(r.id, false) === before) - 1;
    if (from < -1) return [];
  }
  const states = [];
  for (let i = from; i >= 0 && states.length < limit; i--) states.push(stateAt(thread, runs, i));
  return states;
}
