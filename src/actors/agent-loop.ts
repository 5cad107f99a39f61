import type { ActorSystem } from 'xstate';
import { toolResultsMessage, type ConversationMessage } from '../models/conversation.ts';
import { addFailedTurn, addTurn, type AgentStats } from './agent-stats.ts';
import { draftOf, emitVia, errorText, openingMessages, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import type { ModelTurnOutput } from './model-turn.ts';
import type { AgentPlan } from './run-plan.ts';
import type { EventDraft } from '../events/run-event.ts';
import type { RunTelemetry, SpanRef } from '../telemetry/run-telemetry.ts';

/**
 * The agent loop that supervisors and workers share (task queue, model turn, tool calls, reply),
 * as plain functions: each machine names its actions in its own `setup` and calls these, so the
 * behaviour lives in one place while the machines keep their own typed contexts.
 */
export interface AgentLoopContext {
  agent: AgentPlan;
  current: TaskEvent | null;
  queue: TaskEvent[];
  messages: ConversationMessage[];
  lastResult: string | null;
  lastError: string | null;
  stats: AgentStats;
  telemetry: RunTelemetry;
  turnSpan: SpanRef | null;
}

/** A tool call of the current turn once answered (a delegation or a worker tool). */
export interface AnsweredCall {
  toolCallId: string;
  toolName: string;
  ok: boolean;
  output: string;
}

/** The params a model-turn guard or action gets: the done event's output, typed where the transition is. */
export interface TurnParams {
  output: ModelTurnOutput;
}

/** Maps a model-turn done event to TurnParams (for `params:` of guards and actions in `onDone`). */
export const turnParams = ({ event }: { event: { output: ModelTurnOutput } }): TurnParams => ({ output: event.output });

export const turnHasCalls = (output: ModelTurnOutput): boolean => output.toolCalls.length > 0;

export const turnHasNoText = (output: ModelTurnOutput): boolean => output.text.trim() === '';

/** The context fields every agent sets when it takes the next queued task. */
export function startNextTask(context: AgentLoopContext): Pick<AgentLoopContext, 'current' | 'queue' | 'messages' | 'stats' | 'turnSpan'> {
  const next = context.queue[0]!;
  return {
    current: next,
    queue: context.queue.slice(1),
    messages: openingMessages(context.agent, next.task),
    stats: { ...context.stats, tasks: context.stats.tasks + 1 },
    turnSpan: context.telemetry.startAgentTurn(next.trace ?? null, context.agent),
  };
}

/** A turn that answered with text: its counts and the answer. */
export function answeredTurn(context: AgentLoopContext, output: ModelTurnOutput): Pick<AgentLoopContext, 'stats' | 'lastResult'> {
  return { stats: addTurn(context.stats, output), lastResult: output.text };
}

/** A turn that was made but whose calls are not followed: its tokens count, and the task fails with `reason`. */
export function abandonedTurn(context: AgentLoopContext, output: ModelTurnOutput, reason: string): Pick<AgentLoopContext, 'stats' | 'lastError'> {
  return { stats: { ...addTurn(context.stats, output), errors: context.stats.errors + 1 }, lastError: reason };
}

/** A model call that failed. */
export function failedTurn(context: AgentLoopContext, error: unknown): Pick<AgentLoopContext, 'stats' | 'lastError'> {
  return { stats: addFailedTurn(context.stats, error), lastError: errorText(error) };
}

/** A turn that made tool calls: its counts, the assistant message, and the calls on the agent's life-long count. */
export function callingTurn(
  context: AgentLoopContext & { toolCallCount: number }, output: ModelTurnOutput,
): Pick<AgentLoopContext, 'stats' | 'messages'> & { toolCallCount: number } {
  return {
    stats: { ...addTurn(context.stats, output), tool_calls: context.stats.tool_calls + output.toolCalls.length },
    messages: [...context.messages, output.message],
    toolCallCount: context.toolCallCount + output.toolCalls.length,
  };
}

/** The `tool_call` drafts of the turn's calls, numbered on from the agent's earlier calls; `fields` adds the per-call data. */
export function toolCallDrafts<C extends { toolCallId: string; toolName: string }>(
  agent: AgentPlan, calls: C[], toolCallCount: number, fields: (call: C) => Record<string, unknown>,
): EventDraft[] {
  let count = toolCallCount - calls.length;
  return calls.map((call) => draftOf(agent, 'llm', 'tool_call', {
    tool_name: call.toolName, tool_call_id: call.toolCallId, tool_count: ++count, ...fields(call),
  }));
}

/** The turn's answered calls go back into the conversation; failed ones count as tool errors. */
export function answeredCallsTurn(context: AgentLoopContext, calls: AnsweredCall[]): Pick<AgentLoopContext, 'messages' | 'stats'> {
  return {
    messages: [...context.messages, toolResultsMessage(calls)],
    stats: { ...context.stats, tool_errors: context.stats.tool_errors + calls.filter((c) => !c.ok).length },
  };
}

/** The `tool_result` drafts of the turn's answered calls; `extra` adds per-call fields (a worker's tool_source). */
export function toolResultDrafts<C extends AnsweredCall>(agent: AgentPlan, calls: C[], extra?: (call: C) => Record<string, unknown>): EventDraft[] {
  return calls.map((call) => draftOf(agent, 'llm', 'tool_result', {
    tool_name: call.toolName, tool_call_id: call.toolCallId, is_error: !call.ok, result: call.output, ...extra?.(call),
  }));
}

/** What `enqueueReply` needs of enqueueActions' `enqueue`. */
interface ReplyEnqueuer {
  (action: () => void): void;
  sendParent(event: ResultEvent): void;
}

/** Ends the task's turn span and answers the parent's TASK: the last result, or the last error. */
export function enqueueReply(context: AgentLoopContext, ok: boolean, enqueue: ReplyEnqueuer): void {
  const output = ok ? context.lastResult ?? '' : context.lastError ?? 'unknown error';
  enqueue(ok ? () => context.telemetry.endAgentTurn(context.turnSpan) : () => context.telemetry.endAgentTurn(context.turnSpan, output));
  enqueue.sendParent({ type: 'RESULT', callId: context.current!.callId, ok, output } satisfies ResultEvent);
}

/** The task's error as a run event. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function reportTaskError(context: AgentLoopContext, system: ActorSystem<any>): void {
  emitVia(system, context.agent, 'system', 'error', { error: context.lastError, task: context.current?.task });
}
