import type { ToolCallRequest } from './model-turn.ts';
import type { DelegationOutcome } from './agent-outcome.ts';
import type { ConversationMessage } from '../models/conversation.ts';
import { assistantTexts, joinPartial } from './agent-loop.ts';

/** A child of a supervisor, offered to its model as one tool. */
export interface ChildSpec {
  toolName: string;
  kind: 'team' | 'worker';
  /** Team name for a team, worker name for a worker. */
  name: string;
  teamName: string;
  description: string;
  actorId: string;
  /** The child agent's id (its address in the run's system is derived from it). */
  agentId: string;
  preventDuplicate: boolean;
  /** For a team child: whether its result may enrich later teams' tasks. */
  sharesContext: boolean;
}

export type CallStatus = 'queued' | 'running' | 'waiting' | 'done';

/** One tool call of the current turn and how far it got. */
export interface PendingCall extends ToolCallRequest {
  dispatchId: string | null;
  status: CallStatus;
  /** A call with the same child and task already running (prevent_duplicate): share its result. */
  waitingFor: string | null;
  startedAt: number;
  ok: boolean;
  output: string;
  /** The child's typed outcome once done (null: answered without a child — unknown tool, bad input, or shared from the cache). */
  outcome: DelegationOutcome | null;
  deduplicated: boolean;
}

export function dedupeKey(toolName: string, task: string): string {
  return `${toolName}\u0000${task}`;
}

/** Tool names must be [a-zA-Z0-9_-]{1,64} for real providers; keep them readable and unique. */
export function toolNamesFor(names: string[], prefix: string): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = `${prefix}${name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'agent'}`.slice(0, 60);
    let candidate = base;
    for (let n = 2; used.has(candidate); n++) candidate = `${base}_${n}`;
    used.add(candidate);
    return candidate;
  });
}

/** The calls to hand out now: all queued ones in parallel mode, else the next one when none runs. */
export function callsToDispatch(calls: PendingCall[], parallel: boolean): PendingCall[] {
  const queued = calls.filter((c) => c.status === 'queued');
  if (parallel) return queued;
  if (calls.some((c) => c.status === 'running' || c.status === 'waiting')) return [];
  return queued.slice(0, 1);
}

/** The task as a child receives it, enriched with what finished siblings found when sharing is on. */
export function enrichTask(task: string, finished: Array<{ name: string; output: string }>, label: string): string {
  if (finished.length === 0) return task;
  const lines = finished.map((f) => `[${f.name}]: ${f.output}`);
  return `${task}\n\nContext from ${label} that already finished:\n${lines.join('\n')}`;
}

export function newCall(request: ToolCallRequest): PendingCall {
  return { ...request, dispatchId: null, status: 'queued', waitingFor: null, startedAt: 0, ok: false, output: '', outcome: null, deduplicated: false };
}

/**
 * A supervisor's partial output: its turns' text so far, the results its children answered in
 * this task (from the conversation and the turn in progress) and the partial output of those
 * that did not complete — partial results flow up.
 */
export function supervisorPartial(
  context: { children: ChildSpec[]; messages: ConversationMessage[]; calls: PendingCall[] }, turnText: string,
): string | null {
  const nameOf = (toolName: string) => context.children.find((c) => c.toolName === toolName)?.name ?? toolName;
  const answered = context.messages.flatMap((m) => (m.role === 'tool'
    ? m.content.flatMap((part) => (part.type === 'tool-result' && part.output.type === 'text' ? [`[${nameOf(part.toolName)}]: ${part.output.value}`] : []))
    : []));
  const current = context.calls.flatMap((c) => {
    if (c.status !== 'done') return [];
    if (c.ok) return [`[${nameOf(c.toolName)}]: ${c.output}`];
    return c.outcome?.partial_output ? [`[${nameOf(c.toolName)}] (${c.outcome.status}, partial): ${c.outcome.partial_output}`] : [];
  });
  return joinPartial([...assistantTexts(context.messages), ...answered, ...current, turnText]);
}
