import { fromCallback } from 'xstate';
import type { RunBudgetExhaustedEvent } from './budget-check.ts';

/** Sent by the run's deadline actor when its time limit is reached. */
export interface DeadlineEvent {
  type: 'DEADLINE';
}

/**
 * The run's time limit as an actor: a timer to an absolute instant (data), so a run restored on
 * another process keeps the limit it had (XState's own delayed events are not part of a
 * persisted snapshot).
 */
export const deadlineActor = fromCallback<DeadlineEvent, { atMs: number; kind: 'deadline' }, DeadlineEvent>(({ input, sendBack }) => {
  const timer = setTimeout(() => sendBack({ type: 'DEADLINE' }), Math.max(0, input.atMs - Date.now()));
  return () => clearTimeout(timer);
});

/**
 * The run's own max_duration_ms as an actor (like its time limit): at that instant the run's
 * budget is spent, and the run ends at once. Does nothing for a run without one.
 */
export const budgetDeadlineActor = fromCallback<RunBudgetExhaustedEvent, { atMs: number | null; maxMs: number; kind: 'deadline' }, RunBudgetExhaustedEvent>(({ input, sendBack }) => {
  if (input.atMs === null) return undefined;
  const timer = setTimeout(() => sendBack({ type: 'BUDGET.RUN_EXHAUSTED', limit: 'max_duration_ms', spent: input.maxMs, max: input.maxMs, unannounced: true }), Math.max(0, input.atMs - Date.now()));
  return () => clearTimeout(timer);
});

