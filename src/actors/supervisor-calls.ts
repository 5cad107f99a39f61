import type { ToolCallRequest } from './model-turn.ts';

/** A child of a supervisor, offered to its model as one tool. */
export interface ChildSpec {
  toolName: string;
  kind: 'team' | 'worker';
  /** Team name for a team, worker name for a worker. */
  name: string;
  teamName: string;
  description: string;
  actorId: string;
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
  return { ...request, dispatchId: null, status: 'queued', waitingFor: null, startedAt: 0, ok: false, output: '', deduplicated: false };
}
