import type { ActorSystem } from 'xstate';
import { toolResultsMessage, userMessage, type ConversationMessage } from '../models/conversation.ts';
import { addFailedTurn, addTurn, type AgentStats } from './agent-stats.ts';
import { draftOf, emitVia, errorText, openingMessages, type TaskEvent } from './agent-messages.ts';
import type { ModelTurnOutput } from './model-turn.ts';
import type { ModelCallRef } from './model-call-events.ts';
import type { AgentPlan } from './run-plan.ts';
import type { EventDraft } from '../events/run-event.ts';
import type { RunTelemetry, SpanRef } from '../telemetry/run-telemetry.ts';
import { resourcesOf } from './run-resources.ts';
import {
  addUsage, emptyUsage, failureStatusOf, outcomeJson, type DelegationOutcome, type OutcomeStatus, type OutcomeUsage,
} from './agent-outcome.ts';

/**
 * The agent loop that supervisors and workers share (task queue, model turn, tool calls, reply),
 * as plain functions: each machine names its actions in its own `setup` and calls these, so the
 * behaviour lives in one place while the machines keep their own typed contexts.
 *
 * An agent's context keeps at most MAX_CONTEXT_FIELDS top-level fields; what changes together or
 * never changes is grouped (`control`, and each machine's `counts`, a supervisor's `delegation`
 * and `answers`). Why (measured): XState's assign builds each new context with
 * `Object.assign({}, context, update)`, and V8 (Node 24) turns an object that gets 20 or more
 * properties that way into a hash-table ("dictionary") object, and every context after it too:
 * with 21 and 25 fields each assign cost ~5 µs instead of ~0.1 and each context ~0.9–1.6 KB more
 * (175 assigns and ~13 KB per 13-agent run), and every read of a field is a hash lookup.
 */
export interface AgentLoopContext {
  agent: AgentPlan;
  current: TaskEvent | null;
  queue: TaskEvent[];
  messages: ConversationMessage[];
  lastResult: string | null;
  lastError: string | null;
  stats: AgentStats;
  turnSpan: SpanRef | null;
  /** How the current task is failing when it does (with `lastError`): a failed call, or a spent budget. */
  failure: Exclude<OutcomeStatus, 'completed'>;
  /** What the current task cost so far: the agent's own calls and what its delegations reported. */
  usage: OutcomeUsage;
  /** How the agent's last task ended (null: none ended yet); `statistics.agents` shows it. */
  outcome: DelegationOutcome | null;
  /** What AGENT.CANCEL and AGENT.STEER asked of the agent. */
  control: AgentControl;
  /** Where its model calls stand, for their `llm.call_*` events. */
  traced: TracedCalls;
}

/** The most top-level fields an agent's context has (see AgentLoopContext: V8 keeps it a fast object below 20). */
export const MAX_CONTEXT_FIELDS = 17;

/** What agent control asked of an agent that its loop has not acted on yet. */
export interface AgentControl {
  /** Set by a graceful AGENT.CANCEL: the task ends after the model turn (or tool calls) in progress. */
  stopping: StopRequest | null;
  /** Messages steered to the agent, given to its next model turn (AGENT.STEER). */
  steering: string[];
}

/** What both machines count over an agent's life, beside their own counters. */
export interface AgentCounts {
  /** Tool calls made over the agent's life, for `tool_count`. */
  toolCalls: number;
}

/** An agent's model calls as their events number them (see ModelCallRef). */
export interface TracedCalls {
  /** Model calls begun over the agent's life: the current one is `<agent_id>#<count>`. */
  count: number;
  /** Messages of the current task's conversation that an earlier call's event already carried. */
  sent: number;
  /** Where the current call's new messages begin. */
  from: number;
}

/** Why an agent is stopping: who asked (the agent whose subtree is cancelled) and how. */
export interface StopRequest {
  mode: 'graceful' | 'hard';
  /** The agent the cancel was addressed to (this one, or an ancestor whose subtree this is). */
  by: string;
}

/** Cancels one agent's subtree (hard: at once; graceful: after the model turn in progress). */
export interface AgentCancelEvent {
  type: 'AGENT.CANCEL';
  mode: 'graceful' | 'hard';
  /** The agent the cancel was addressed to; absent: this one. */
  by?: string;
}

/** A message for the agent's next model turn, as a user message. */
export interface AgentSteerEvent {
  type: 'AGENT.STEER';
  message: string;
}

/** Steered messages kept for an agent's next turn, at most (the API bounds each message's length). */
export const MAX_PENDING_STEERS = 16;

/** The loop fields of a fresh agent's context. */
export function initialLoopFields(): Pick<AgentLoopContext, 'failure' | 'usage' | 'outcome' | 'control' | 'traced'> {
  return { failure: 'failed', usage: emptyUsage(), outcome: null, control: noControl(), traced: initialTracedCalls() };
}

export const noControl = (): AgentControl => ({ stopping: null, steering: [] });

export const initialTracedCalls = (): TracedCalls => ({ count: 0, sent: 0, from: 0 });

/**
 * A model call begins (on entering the model-turn state, after steering is delivered): the next
 * call number, and the messages its event carries — those past what an earlier call of the task
 * carried (a conversation only grows within a task; startNextTask starts it over).
 */
export function beginModelCall(context: AgentLoopContext): Pick<AgentLoopContext, 'traced'> {
  const { count, sent } = context.traced;
  return { traced: { count: count + 1, sent: context.messages.length, from: sent <= context.messages.length ? sent : 0 } };
}

/** The current model call, for the model turn's input. */
export function modelCallOf(context: AgentLoopContext): ModelCallRef {
  const { count, from } = context.traced;
  return { id: `${context.agent.agentId}#${count}`, messagesFrom: from, first: count === 1 };
}

/** A tool call of the current turn once answered (a delegation or a worker tool). */
export interface AnsweredCall {
  toolCallId: string;
  toolName: string;
  ok: boolean;
  output: string;
  /** A delegation's typed outcome: what the supervisor's model gets when the child did not complete. */
  outcome?: DelegationOutcome | null;
}

/** The params a model-turn guard or action gets: the done event's output, typed where the transition is. */
export interface TurnParams {
  output: ModelTurnOutput;
}

/** Maps a model-turn done event to TurnParams (for `params:` of guards and actions in `onDone`). */
export const turnParams = ({ event }: { event: { output: ModelTurnOutput } }): TurnParams => ({ output: event.output });

export const turnHasCalls = (output: ModelTurnOutput): boolean => output.toolCalls.length > 0;

export const turnHasNoText = (output: ModelTurnOutput): boolean => output.text.trim() === '';

/** The context fields every agent sets when it takes the next queued task (`telemetry`: the run's, from its resources). */
export function startNextTask(
  context: AgentLoopContext, telemetry: RunTelemetry,
): Pick<AgentLoopContext, 'current' | 'queue' | 'messages' | 'stats' | 'turnSpan' | 'usage' | 'failure' | 'traced'> {
  const next = context.queue[0]!;
  return {
    current: next,
    queue: context.queue.slice(1),
    messages: openingMessages(context.agent, next.task, next.context),
    stats: { ...context.stats, tasks: context.stats.tasks + 1 },
    turnSpan: telemetry.startAgentTurn(next.trace ?? null, context.agent),
    usage: emptyUsage(),
    failure: 'failed',
    // A new conversation: its first call carries it from the start.
    traced: { ...context.traced, sent: 0 },
  };
}

/** What one model turn cost. */
export function turnUsage(output: ModelTurnOutput): OutcomeUsage {
  return { ...emptyUsage(), input_tokens: output.inputTokens, output_tokens: output.outputTokens, model_calls: 1, cost_usd: output.costUsd ?? 0 };
}

/** Steered messages join the conversation as user messages, on entering a model turn. */
export function deliverSteering(context: AgentLoopContext): Pick<AgentLoopContext, 'messages' | 'control'> {
  const { steering } = context.control;
  if (steering.length === 0) return { messages: context.messages, control: context.control };
  return { messages: [...context.messages, ...steering.map(userMessage)], control: { ...context.control, steering: [] } };
}

/** A steer received: kept for the next turn (the oldest dropped past the bound) and recorded as `agent.steered`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function steered(context: AgentLoopContext, event: AgentSteerEvent, system: ActorSystem<any>): Pick<AgentLoopContext, 'control'> {
  emitVia(system, context.agent, 'agent', 'steered', { agent_id: context.agent.agentId, message: event.message, delivery: 'next_model_turn' });
  return { control: { ...context.control, steering: [...context.control.steering, event.message].slice(-MAX_PENDING_STEERS) } };
}

/** A graceful AGENT.CANCEL: the task ends after the model turn (or the children's or tools' work) in progress. */
export function stopRequested(context: AgentLoopContext, event: AgentCancelEvent): Pick<AgentLoopContext, 'control'> {
  return { control: { ...context.control, stopping: stopRequestOf(context, event) } };
}

/** A turn that answered with text: its counts and the answer. */
export function answeredTurn(context: AgentLoopContext, output: ModelTurnOutput): Pick<AgentLoopContext, 'stats' | 'lastResult' | 'usage'> {
  return { stats: addTurn(context.stats, output), lastResult: output.text, usage: addUsage(context.usage, turnUsage(output)) };
}

/** A turn that was made but whose calls are not followed: its tokens count, and the task fails with `reason`. */
export function abandonedTurn(
  context: AgentLoopContext, output: ModelTurnOutput, reason: string,
): Pick<AgentLoopContext, 'stats' | 'lastError' | 'usage' | 'failure'> {
  return {
    stats: { ...addTurn(context.stats, output), errors: context.stats.errors + 1 }, lastError: reason,
    usage: addUsage(context.usage, turnUsage(output)), failure: 'failed',
  };
}

/** A model call that failed, or that a spent budget did not allow (the task ends `budget_exhausted`). */
export function failedTurn(context: AgentLoopContext, error: unknown): Pick<AgentLoopContext, 'stats' | 'lastError' | 'failure'> {
  const failure = failureStatusOf(error);
  return { stats: failure === 'budget_exhausted' ? context.stats : addFailedTurn(context.stats, error), lastError: errorText(error), failure };
}

/** A turn that made tool calls: its counts, the assistant message, and the calls on the agent's life-long count (with the machine's own `counted`). */
export function callingTurn<C extends AgentCounts>(
  context: AgentLoopContext & { counts: C }, output: ModelTurnOutput, counted: Partial<C> = {},
): Pick<AgentLoopContext, 'stats' | 'messages' | 'usage'> & { counts: C } {
  return {
    stats: { ...addTurn(context.stats, output), tool_calls: context.stats.tool_calls + output.toolCalls.length },
    messages: [...context.messages, output.message],
    counts: { ...context.counts, ...counted, toolCalls: context.counts.toolCalls + output.toolCalls.length },
    usage: addUsage(context.usage, { ...turnUsage(output), tool_calls: output.toolCalls.length }),
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
    messages: [...context.messages, toolResultsMessage(calls.map((c) => ({ ...c, structured: c.outcome && c.outcome.status !== 'completed' ? outcomeJson(c.outcome) : null })))],
    stats: { ...context.stats, tool_errors: context.stats.tool_errors + calls.filter((c) => !c.ok).length },
  };
}

/** The `tool_result` drafts of the turn's answered calls; `extra` adds per-call fields (a worker's tool_source). */
export function toolResultDrafts<C extends AnsweredCall>(agent: AgentPlan, calls: C[], extra?: (call: C) => Record<string, unknown>): EventDraft[] {
  return calls.map((call) => draftOf(agent, 'llm', 'tool_result', {
    tool_name: call.toolName, tool_call_id: call.toolCallId, is_error: !call.ok, result: call.output, ...extra?.(call),
  }));
}

/** The stop an AGENT.CANCEL asks for. */
export const stopRequestOf = (context: AgentLoopContext, event: AgentCancelEvent): StopRequest =>
  ({ mode: event.mode, by: event.by ?? context.agent.agentId });

/** The text of the assistant turns in a conversation (a stopped agent's partial output), in order. */
export function assistantTexts(messages: ConversationMessage[]): string[] {
  return messages.flatMap((m) => (m.role === 'assistant'
    ? m.content.flatMap((part) => (part.type === 'text' && part.text.trim() !== '' ? [part.text] : []))
    : []));
}

/** Pieces of partial output as one text (null: nothing was produced). */
export function joinPartial(pieces: string[]): string | null {
  const kept = pieces.filter((p) => p.trim() !== '');
  return kept.length > 0 ? kept.join('\n\n') : null;
}

/** The text streamed so far by the agent's model call in flight (kept when it is stopped). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function streamedText(context: AgentLoopContext, system: ActorSystem<any>): string {
  return resourcesOf(system).streamedText?.get(context.agent.agentId) ?? '';
}
