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

/** How a supervisor delegates: fixed when it is spawned. */
export interface Delegation {
  children: ChildSpec[];
  parallel: boolean;
  /** Global: enable_context_sharing between teams. Team: share_context between its workers. */
  shareContext: boolean;
  maxTurns: number;
}

/** What a supervisor's children answered in this run that later calls use. */
export interface DelegationAnswers {
  /** Results of children finished in this run, for context sharing. */
  finished: Array<{ name: string; output: string }>;
  /** prevent_duplicate: child+task → earlier result. */
  cache: Record<string, string>;
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
  context: { delegation: { children: ChildSpec[] }; messages: ConversationMessage[]; calls: PendingCall[] }, turnText: string,
): string | null {
  const nameOf = (toolName: string) => context.delegation.children.find((c) => c.toolName === toolName)?.name ?? toolName;
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

/** What a dispatch step decided: the calls' new state, and which were answered at once or handed to a child. */
export interface DispatchPlan {
  calls: PendingCall[];
  /** Tasks handed to children over the supervisor's life, these included. */
  dispatches: number;
  /** Answered without a child (unknown tool, bad input, a cached duplicate): only the cached ones are announced. */
  answered: Array<{ child: ChildSpec; call: PendingCall }>;
  /** Handed to a child now, with the task as the child receives it. */
  started: Array<{ child: ChildSpec; call: PendingCall; task: string }>;
}

/**
 * Answers unknown tools and duplicates at once, then hands out what may start now (a twin of a
 * running call with prevent_duplicate waits for its result instead). Pure: the machine emits
 * and sends what the plan says.
 */
export function planDispatch(
  context: { agent: { agentId: string }; calls: PendingCall[]; delegation: Delegation; answers: DelegationAnswers; counts: { dispatches: number } },
  now: number,
): DispatchPlan {
  const { children, parallel, shareContext } = context.delegation;
  const { cache, finished } = context.answers;
  let dispatches = context.counts.dispatches;
  const calls = context.calls.map((c) => ({ ...c }));
  const answered: DispatchPlan['answered'] = [];
  const started: DispatchPlan['started'] = [];
  for (const call of calls.filter((c) => c.status === 'queued')) {
    const child = children.find((ch) => ch.toolName === call.toolName);
    if (!child || call.error) {
      Object.assign(call, { status: 'done', ok: false, output: call.error ?? `unknown tool "${call.toolName}"` });
      continue;
    }
    const key = dedupeKey(call.toolName, call.task);
    if (child.preventDuplicate && key in cache) {
      Object.assign(call, { status: 'done', ok: true, output: cache[key], deduplicated: true, startedAt: now });
      answered.push({ child, call });
    }
  }
  for (const call of callsToDispatch(calls, parallel)) {
    const child = children.find((ch) => ch.toolName === call.toolName)!;
    const twin = child.preventDuplicate
      ? calls.find((c) => c !== call && c.status === 'running' && c.toolName === call.toolName && c.task === call.task)
      : undefined;
    if (twin) {
      Object.assign(call, { status: 'waiting', waitingFor: twin.dispatchId, startedAt: now });
      continue;
    }
    const task = shareContext ? enrichTask(call.task, finished, child.kind === 'team' ? 'teams' : 'workers') : call.task;
    Object.assign(call, { status: 'running', dispatchId: `${context.agent.agentId}#${++dispatches}`, startedAt: now });
    started.push({ child, call, task });
  }
  return { calls, dispatches, answered, started };
}

/** The data of a `*_completed` dispatch event. */
export function completionData(child: ChildSpec, call: PendingCall, now: number): Record<string, unknown> {
  return {
    team_name: child.teamName,
    ...(child.kind === 'worker' && { worker_name: child.name }),
    tool_call_id: call.toolCallId,
    ok: call.ok,
    status: call.outcome?.status ?? (call.ok ? 'completed' : 'failed'),
    ...(call.outcome && { outcome: call.outcome }),
    deduplicated: call.deduplicated,
    duration_ms: now - call.startedAt,
  };
}
