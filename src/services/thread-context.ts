import type { TenantRepositories } from '../domain/repositories.ts';
import type { RunRecord } from '../domain/run-records.ts';
import type { ThreadTurn } from '../actors/run-plan.ts';

/** How much of a thread's past a new run of it is given. */
export interface ThreadContextLimits {
  /** THREAD_CONTEXT_MAX_RUNS: the newest ended runs considered. */
  maxRuns: number;
  /** THREAD_CONTEXT_MAX_CHARS: tasks and answers together; the oldest turns are dropped first. */
  maxChars: number;
}

export const DEFAULT_THREAD_CONTEXT: ThreadContextLimits = { maxRuns: 20, maxChars: 32_000 };

/** What an ended run answered, as the next run of its thread is told it. */
function answerOf(run: RunRecord): string {
  if (run.status === 'completed') return run.result ?? '';
  const partial = run.result ? `\n\nPartial result: ${run.result}` : '';
  if (run.status === 'cancelled') return `(This request was cancelled before it finished.)${partial}`;
  return `(This request failed: ${run.error ?? 'unknown error'}.)${partial}`;
}

/**
 * The thread's earlier runs as conversation turns, oldest first: the newest `maxRuns` ended runs
 * before `beforeId` (null: all), as many of them as fit in `maxChars` from the newest back. A
 * newest turn longer than the whole allowance is kept, cut to fit (its task and the end of its
 * answer), so a follow-up always sees at least what was said last.
 */
export async function threadContextOf(
  repos: TenantRepositories, threadId: string, beforeId: number | null, limits: ThreadContextLimits,
): Promise<ThreadTurn[]> {
  if (limits.maxRuns <= 0 || limits.maxChars <= 0) return [];
  const runs = await repos.runs.endedOfThread(threadId, beforeId, limits.maxRuns);
  const turns: ThreadTurn[] = [];
  let left = limits.maxChars;
  for (const run of runs) {
    const turn = { task: run.task, answer: answerOf(run) };
    const size = turn.task.length + turn.answer.length;
    if (size <= left) {
      turns.push(turn);
      left -= size;
      continue;
    }
    if (turns.length === 0) {
      const task = turn.task.slice(0, Math.ceil(left / 2));
      turns.push({ task, answer: `…${turn.answer.slice(-(left - task.length))}` });
    }
    break;
  }
  return turns.reverse();
}

/** The context a run of a thread is planned with (none for a run of no thread). */
export function contextForRun(repos: TenantRepositories, run: Pick<RunRecord, 'id' | 'threadId'>, limits: ThreadContextLimits): Promise<ThreadTurn[]> {
  return run.threadId ? threadContextOf(repos, run.threadId, run.id, limits) : Promise.resolve([]);
}
