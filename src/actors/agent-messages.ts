import type { ActorSystem } from 'xstate';
import { sourceOf, userPromptFor, type AgentPlan, type ThreadTurn } from './run-plan.ts';
import type { EventCategory, EventDraft } from '../events/run-event.ts';
import type { SpanRef } from '../telemetry/run-telemetry.ts';
import { assistantMessage, userMessage, type ConversationMessage } from '../models/conversation.ts';
import type { DelegationOutcome } from './agent-outcome.ts';

/** A sub-task handed to an agent actor by its parent. */
export interface TaskEvent {
  type: 'TASK';
  callId: string;
  task: string;
  /** Earlier turns of the conversation the task continues (a thread's earlier runs, for the global supervisor). */
  context?: ThreadTurn[];
  /** The span the agent's turn nests under (the run's, or the delegating supervisor's turn): plain data. */
  trace?: SpanRef | null;
}

/** An agent's answer to its parent, for the TASK with the same callId: how the task ended. */
export interface ResultEvent {
  type: 'RESULT';
  callId: string;
  outcome: DelegationOutcome;
}

/** Drafts for the run's sink, in the order they happened: one message per batch, not per event. */
export interface SinkEmitEvent {
  type: 'EMIT';
  drafts: EventDraft[];
}

/** The one way an EMIT is built, by the run, its supervisors and workers alike. */
export function emitEvent(drafts: EventDraft[]): SinkEmitEvent {
  return { type: 'EMIT', drafts };
}

export function draftOf(agent: AgentPlan | null, category: EventCategory, action: string, data: Record<string, unknown>): EventDraft {
  return { source: agent ? sourceOf(agent) : null, category, action, data };
}

/** Sends drafts to the run's sink through the agent's own actor system; dropped if the sink is gone. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function sendToSink(system: ActorSystem<any>, drafts: EventDraft[]): void {
  if (drafts.length > 0) system.get('sink')?.send(emitEvent(drafts));
}

/** One event of an agent (null: of the run) to its run's sink. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function emitVia(system: ActorSystem<any>, agent: AgentPlan | null, category: EventCategory, action: string, data: Record<string, unknown>): void {
  sendToSink(system, [draftOf(agent, category, action, data)]);
}

/** The conversation an agent starts a task with (after the earlier turns it continues, if any); its system prompt goes with each call. */
export function openingMessages(agent: AgentPlan, task: string, context: readonly ThreadTurn[] = []): ConversationMessage[] {
  const earlier = context.flatMap((turn) => [userMessage(turn.task), assistantMessage(turn.answer)]);
  return [...earlier, userMessage(userPromptFor(agent, task))];
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
