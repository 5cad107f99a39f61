import type { AnyActorRef } from 'xstate';
import { describeActor, finalTree, statisticsOf, type ActorNode } from './actor-tree.ts';
import { runSystemId } from './run-plan.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import type { RunBudgetExhaustedEvent } from './budget-check.ts';
import { partialResultsOf } from './run-partial-results.ts';
import type { DelegationOutcome } from './agent-outcome.ts';

/** The run machine's child id for its global supervisor. */
export const GLOBAL_SUPERVISOR_CHILD = 'global-supervisor';

/** The run's failure when its own budget is spent: the partial results so far are its result. */
export function budgetExhausted(self: AnyActorRef, event: RunBudgetExhaustedEvent): Omit<RunOutcome, 'statistics'> {
  return {
    status: 'failed',
    error: `budget exhausted: ${event.limit} of the run (spent ${event.spent} of ${event.max})`,
    errorCode: 'budget_exhausted',
    result: partialResultsOf(self.getSnapshot().children[GLOBAL_SUPERVISOR_CHILD] as AnyActorRef | undefined),
  };
}

/** The run's outcome with its statistics and final actor tree, taken as it settles. */
export function settled(runId: number, self: AnyActorRef, outcome: Omit<RunOutcome, 'statistics'>): { outcome: RunOutcome; finalTree: ActorNode } {
  const id = runSystemId(runId);
  // Settled before its first snapshot exists (cancelled while queued): a run with no tree.
  const tree = finalTree(self.getSnapshot() ? describeActor(id, self) : { id, kind: 'run', status: 'done', state: null, children: [] });
  const stats = statisticsOf(tree);
  return { outcome: { ...outcome, statistics: { ...stats, actor_tree: tree } }, finalTree: tree };
}

/** The run's end for its global supervisor's outcome. */
export function runOutcomeOf(outcome: DelegationOutcome): Omit<RunOutcome, 'statistics'> {
  if (outcome.status === 'completed') return { status: 'completed', result: outcome.output };
  if (outcome.status === 'cancelled') return { status: 'cancelled', ...(outcome.partial_output && { result: outcome.partial_output }) };
  return {
    status: 'failed', error: outcome.error, ...(outcome.status === 'budget_exhausted' && { errorCode: 'budget_exhausted' }),
    ...(outcome.partial_output && { result: outcome.partial_output }),
  };
}
