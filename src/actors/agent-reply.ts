import type { ActorSystem } from 'xstate';
import { emitVia, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import { resourcesOf } from './run-resources.ts';
import { completedOutcome, emptyUsage, stoppedOutcome, type DelegationOutcome } from './agent-outcome.ts';
import { noControl, type AgentLoopContext, type StopRequest } from './agent-loop.ts';

/**
 * How an agent's task ends, for both machines: the parent's TASK answered with a typed outcome,
 * the turn span closed, and on AGENT.CANCEL every queued task answered `cancelled` (see
 * agent-loop.ts for the loop these end).
 */

/** What `enqueueReply` needs of enqueueActions' `enqueue`. */
export interface ReplyEnqueuer {
  (action: () => void): void;
  sendParent(event: ResultEvent): void;
  assign(fields: Partial<AgentLoopContext>): void;
}

/**
 * Ends the current task: its turn span ends, the parent's TASK is answered with the typed
 * outcome (the last result when `ok`, else the failure with `partial`), and the outcome is kept
 * for the statistics.
 */
export function enqueueReply(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
  context: AgentLoopContext, ok: boolean, enqueue: ReplyEnqueuer, system: ActorSystem<any>, partial: string | null = null,
): void {
  const outcome = ok ? completedOutcome(context.lastResult ?? '', context.usage)
    : stoppedOutcome(context.failure, context.lastError ?? 'unknown error', partial, context.usage);
  enqueueOutcome(context, outcome, enqueue, system);
}

/** Answers the current task with `outcome` (see enqueueReply). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function enqueueOutcome(context: AgentLoopContext, outcome: DelegationOutcome, enqueue: ReplyEnqueuer, system: ActorSystem<any>): void {
  const { telemetry } = resourcesOf(system);
  const span = context.turnSpan;
  enqueue(outcome.status === 'completed' ? () => telemetry.endAgentTurn(span) : () => telemetry.endAgentTurn(span, outcome.error ?? outcome.status));
  if (context.current) enqueue.sendParent({ type: 'RESULT', callId: context.current.callId, outcome } satisfies ResultEvent);
  enqueue.assign({ outcome });
}

/**
 * The agent stops for good (AGENT.CANCEL): its current task and every queued one are answered
 * `cancelled` (the current one with `partial`, what it had produced), and `agent.cancelled`
 * records the outcome. It then answers any later task `cancelled` at once (`answerStopped`).
 */
export function enqueueStop(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
  context: AgentLoopContext, request: StopRequest, partial: string | null, enqueue: ReplyEnqueuer, system: ActorSystem<any>,
): void {
  const reason = request.by === context.agent.agentId ? `agent cancelled (${request.mode})` : `cancelled with agent ${request.by} (${request.mode})`;
  const outcome = stoppedOutcome('cancelled', reason, partial, context.current ? context.usage : emptyUsage());
  enqueueOutcome(context, outcome, enqueue, system);
  for (const task of context.queue) enqueue.sendParent(cancelledAnswer(task, reason));
  enqueue.assign({ queue: [], control: noControl() });
  enqueue(() => emitVia(system, context.agent, 'agent', 'cancelled', {
    agent_id: context.agent.agentId, mode: request.mode, cancelled_by: request.by, outcome,
  }));
}

/** The answer a stopped agent gives a task at once. */
export function cancelledAnswer(task: TaskEvent, reason = 'agent cancelled'): ResultEvent {
  return { type: 'RESULT', callId: task.callId, outcome: stoppedOutcome('cancelled', reason, null, emptyUsage()) };
}

/** The task's error as a run event. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function reportTaskError(context: AgentLoopContext, system: ActorSystem<any>): void {
  emitVia(system, context.agent, 'system', 'error', { error: context.lastError, task: context.current?.task });
}
