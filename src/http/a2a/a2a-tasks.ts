import { createHash } from 'node:crypto';
import { Role, TaskState, type Artifact, type Message, type Part, type Task, type TaskStatus } from '@a2a-js/sdk';
import type { RunRecord, RunStatus } from '../../domain/run-records.ts';
import type { PendingInput } from '../../domain/human-input.ts';
import { answerOf } from './a2a-answers.ts';

/**
 * Cadre's runs as A2A tasks: a task is a run (its id the run's id), a context is a thread. What
 * a task shows is read from the run's record alone (never its event log), so GetTask and
 * ListTasks cost one row per task however long the run streamed.
 */

/** The run metadata key under which an A2A start keeps its message's id and metadata. */
export const A2A_METADATA_KEY = 'a2a';

export interface A2ARunMetadata {
  message_id: string;
  /** The client's own context id when it is not a thread id (a UUID): the thread's id is derived from it. */
  context_id?: string;
  metadata?: Record<string, unknown>;
}

const STATE_OF: Record<RunStatus, TaskState> = {
  pending: TaskState.TASK_STATE_SUBMITTED,
  running: TaskState.TASK_STATE_WORKING,
  waiting_input: TaskState.TASK_STATE_INPUT_REQUIRED,
  completed: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  cancelled: TaskState.TASK_STATE_CANCELED,
};

export function taskStateOf(status: RunStatus): TaskState {
  return STATE_OF[status];
}

/** A run's task state: its status's, but REJECTED for a completed run whose answer refused the task. */
export function taskStateOfRun(run: Pick<RunRecord, 'status' | 'result'>): TaskState {
  if (run.status === 'completed' && run.result !== null && answerOf(run.result).rejected) return TaskState.TASK_STATE_REJECTED;
  return taskStateOf(run.status);
}

/** The run statuses a ListTasks status filter means (none for UNSPECIFIED or states Cadre has no run for). */
export function runStatusOf(state: TaskState): RunStatus | null | undefined {
  if (state === TaskState.TASK_STATE_UNSPECIFIED) return undefined;
  const found = (Object.keys(STATE_OF) as RunStatus[]).find((s) => STATE_OF[s] === state);
  return found ?? null;
}

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED,
]);

/** A task's context: the client's own id for it, else its run's thread (every run an A2A client starts has one). */
export function contextIdOf(run: Pick<RunRecord, 'id' | 'threadId' | 'metadata'>): string {
  return a2aMetadataOf(run)?.context_id ?? run.threadId ?? `run-${run.id}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * The thread a client's context id names on an agent: the id itself when it is a UUID, else a
 * UUID (version 5 layout, SHA-1) derived from the agent's id and the context id, so the same
 * string finds the same thread, and two agents' (or tenants': an agent id is unique) never meet.
 */
export function threadIdOfContext(hierarchyId: string, contextId: string): string {
  if (isUuid(contextId)) return contextId.toLowerCase();
  const h = createHash('sha1').update(`cadre-a2a-context\n${hierarchyId}\n${contextId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

/** `snake_case` keys as `camelCase`, all the way down: A2A's JSON is camelCase, Cadre's records are not. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), camelKeys(v)]));
}

/** A DataPart of Cadre data, its keys camelCase as A2A's JSON is. */
export function dataPart(data: Record<string, unknown>): Part {
  return { content: { $case: 'data', value: camelKeys(data) }, metadata: undefined, filename: '', mediaType: 'application/json' };
}

export function agentMessage(run: Pick<RunRecord, 'id' | 'threadId' | 'metadata'>, messageId: string, parts: Part[], metadata?: Record<string, unknown>): Message {
  return {
    messageId, contextId: contextIdOf(run), taskId: String(run.id), role: Role.ROLE_AGENT, parts, metadata, extensions: [], referenceTaskIds: [],
  };
}

/** What a human is asked, as the agent's message of an input-required status. */
export function inputRequestMessage(run: Pick<RunRecord, 'id' | 'threadId' | 'metadata'>, pending: readonly PendingInput[]): Message {
  const lines = pending.map((p) => p.kind === 'question'
    ? String(p.question ?? '')
    : `Approve the call of ${p.tool_name} with ${JSON.stringify(p.arguments)}? Answer yes or no (with a reason if you like).`);
  return agentMessage(run, `${run.id}-input-${pending.map((p) => p.request_id).join('-')}`, [
    textPart(lines.join('\n\n')),
    dataPart({ pending_inputs: pending.map((p) => ({ ...p })) }),
  ]);
}

export function a2aMetadataOf(run: Pick<RunRecord, 'metadata'>): A2ARunMetadata | undefined {
  const stored = run.metadata?.[A2A_METADATA_KEY] as A2ARunMetadata | undefined;
  return stored && typeof stored.message_id === 'string' ? stored : undefined;
}

function statusOf(run: RunRecord): TaskStatus {
  const at = run.completedAt ?? run.waitingSince ?? run.startedAt ?? run.createdAt;
  let message: Message | undefined;
  if (run.status === 'waiting_input' && run.pendingInputs.length > 0) message = inputRequestMessage(run, run.pendingInputs);
  else if (run.status === 'failed') message = agentMessage(run, `${run.id}-error`, [textPart(run.error ?? 'the run failed')]);
  else if (run.status === 'completed' && run.result !== null) message = agentMessage(run, `${run.id}-answer`, answerOf(run.result).parts);
  return { state: taskStateOfRun(run), message, timestamp: at.toISOString() };
}

/** Where an agent sits in the hierarchy: `Global`, `<team>` (its supervisor) or `<team>/<worker>`. */
export function agentPath(kind: string | undefined, agentName: string, teamName: string | null | undefined): string {
  if (kind === 'global_supervisor' || !teamName) return agentName;
  return kind === 'team_supervisor' ? teamName : `${teamName}/${agentName}`;
}

/** One artifact per agent that reported an outcome, as DataParts naming its id and path. */
function agentArtifacts(run: RunRecord): Artifact[] {
  const agents = (run.statistics?.agents ?? {}) as Record<string, { kind?: string; agent_name?: string; team_name?: string | null; outcome?: unknown }>;
  return Object.entries(agents)
    .filter(([, a]) => a.outcome && a.kind !== 'global_supervisor')
    .map(([id, a]) => agentArtifact(id, agentPath(a.kind, a.agent_name ?? id, a.team_name), a.outcome));
}

export function agentArtifact(agentId: string, path: string, outcome: unknown): Artifact {
  return {
    artifactId: `agent-${agentId}`, name: path, description: `What ${path} reported`,
    parts: [dataPart({ agent_id: agentId, path, outcome })], metadata: undefined, extensions: [],
  };
}

export function answerArtifact(result: string): Artifact {
  return { artifactId: 'answer', name: 'answer', description: "The global supervisor's answer", parts: answerOf(result).parts, metadata: undefined, extensions: [] };
}

export interface TaskViewOptions {
  /** Most recent messages kept (undefined: all; 0: none). */
  historyLength?: number | undefined;
  includeArtifacts?: boolean;
}

/** A run as an A2A Task: its task as the user's message, its answer as the agent's and as an artifact. */
export function taskOf(run: RunRecord, options: TaskViewOptions = {}): Task {
  const a2a = a2aMetadataOf(run);
  const userMessage: Message = {
    messageId: a2a?.message_id ?? `${run.id}-task`, contextId: contextIdOf(run), taskId: String(run.id), role: Role.ROLE_USER,
    parts: [textPart(run.task)], metadata: a2a?.metadata, extensions: [], referenceTaskIds: [],
  };
  let history: Message[] = [userMessage];
  if (run.status === 'completed' && run.result !== null) history.push(agentMessage(run, `${run.id}-answer`, answerOf(run.result).parts));
  if (options.historyLength !== undefined) history = options.historyLength === 0 ? [] : history.slice(-options.historyLength);
  const artifacts = options.includeArtifacts === false ? [] : [
    ...(run.status === 'completed' && run.result !== null ? [answerArtifact(run.result)] : []),
    ...agentArtifacts(run),
  ];
  return {
    id: String(run.id), contextId: contextIdOf(run), status: statusOf(run), artifacts, history,
    metadata: { hierarchyId: run.hierarchyId, ...(run.errorCode && { errorCode: run.errorCode }) },
  };
}
