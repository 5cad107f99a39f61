import type { ModelMessage } from 'ai';
import type { ActorSystem } from 'xstate';
import { sourceOf, userPromptFor, type AgentPlan } from './run-plan.ts';
import type { EventCategory } from '../events/run-event.ts';

/** A sub-task handed to an agent actor by its parent. */
export interface TaskEvent {
  type: 'TASK';
  callId: string;
  task: string;
}

/** An agent's answer to its parent, for the TASK with the same callId. */
export interface ResultEvent {
  type: 'RESULT';
  callId: string;
  ok: boolean;
  output: string;
}

export interface SinkEmitEvent {
  type: 'EMIT';
  draft: { source: ReturnType<typeof sourceOf> | null; category: EventCategory; action: string; data: Record<string, unknown> };
}

/** Sends an event to the run's sink through the agent's own actor system; dropped if the sink is gone. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function emitVia(system: ActorSystem<any>, agent: AgentPlan | null, category: EventCategory, action: string, data: Record<string, unknown>): void {
  const event: SinkEmitEvent = { type: 'EMIT', draft: { source: agent ? sourceOf(agent) : null, category, action, data } };
  system.get('sink')?.send(event);
}

/** The conversation an agent starts a task with; its system prompt goes in the call's `system`. */
export function openingMessages(agent: AgentPlan, task: string): ModelMessage[] {
  return [{ role: 'user', content: userPromptFor(agent, task) }];
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
