import type { HierarchyRecord } from '../../domain/hierarchy-schemas.ts';
import type { RunRecord } from '../../domain/run-records.ts';
import type { ThreadView } from '../../domain/thread-schemas.ts';
import { runUuidOf } from './lg-ids.ts';

/** Every hierarchy is an assistant of one graph: Cadre's supervisor → teams → workers. */
export const GRAPH_ID = 'cadre';

/** The run metadata key under which a LangGraph start keeps how it was asked (the client's own metadata stays beside it). */
export const LG_METADATA_KEY = 'langgraph';

export const STREAM_MODES = ['values', 'updates', 'messages-tuple', 'events', 'custom', 'debug'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];
export type LgMultitask = 'reject' | 'interrupt' | 'enqueue';

export interface LgRunSettings {
  stream_mode: StreamMode[];
  stream_subgraphs: boolean;
  multitask_strategy: LgMultitask;
  /** A stateless run (/runs/stream, /runs/wait): its thread is deleted once it ended ('delete'). */
  on_completion?: 'delete' | 'keep';
}

export function settingsOf(run: Pick<RunRecord, 'metadata'>): LgRunSettings {
  const stored = run.metadata?.[LG_METADATA_KEY] as Partial<LgRunSettings> | undefined;
  return {
    stream_mode: Array.isArray(stored?.stream_mode) && stored.stream_mode.length > 0 ? stored.stream_mode : ['values'],
    stream_subgraphs: stored?.stream_subgraphs === true,
    multitask_strategy: stored?.multitask_strategy === 'interrupt' || stored?.multitask_strategy === 'enqueue' ? stored.multitask_strategy : 'reject',
    ...(stored?.on_completion && { on_completion: stored.on_completion }),
  };
}

/** The client's metadata of a run, without what the adapter keeps beside it. */
export function clientMetadataOf(run: Pick<RunRecord, 'metadata'>): Record<string, unknown> {
  const { [LG_METADATA_KEY]: _settings, ...rest } = run.metadata ?? {};
  return rest;
}

export function assistantOf(h: HierarchyRecord) {
  return {
    assistant_id: h.id, graph_id: GRAPH_ID, name: h.name, description: h.description,
    config: {}, context: {}, metadata: {}, version: h.version,
    created_at: h.createdAt.toISOString(), updated_at: h.updatedAt.toISOString(),
  };
}

/** Cadre's run statuses as LangGraph's: a cancelled run was interrupted, one waiting for a human too. */
export function runStatusOf(run: Pick<RunRecord, 'status' | 'errorCode'>): 'pending' | 'running' | 'error' | 'success' | 'timeout' | 'interrupted' {
  switch (run.status) {
    case 'pending': return 'pending';
    case 'running': return 'running';
    case 'completed': return 'success';
    case 'failed': return run.errorCode === 'MODEL_TIMEOUT' ? 'timeout' : 'error';
    default: return 'interrupted';
  }
}

export function runOf(run: RunRecord) {
  const settings = settingsOf(run);
  return {
    run_id: runUuidOf(run.id), thread_id: run.threadId, assistant_id: run.hierarchyId,
    created_at: run.createdAt.toISOString(), updated_at: (run.completedAt ?? run.waitingSince ?? run.startedAt ?? run.createdAt).toISOString(),
    status: runStatusOf(run), metadata: clientMetadataOf(run), multitask_strategy: settings.multitask_strategy,
    kwargs: { stream_mode: settings.stream_mode, subgraphs: settings.stream_subgraphs },
  };
}

export interface LgMessage {
  type: 'human' | 'ai';
  content: string;
  id: string;
  name?: string;
  additional_kwargs: Record<string, unknown>;
  response_metadata: Record<string, unknown>;
  tool_calls?: unknown[];
  invalid_tool_calls?: unknown[];
}

export function humanMessageOf(run: Pick<RunRecord, 'id' | 'task'>): LgMessage {
  return { type: 'human', content: run.task, id: `${runUuidOf(run.id)}-input`, additional_kwargs: {}, response_metadata: {} };
}

export function aiMessage(id: string, content: string, name?: string): LgMessage {
  return { type: 'ai', content, id, ...(name && { name }), additional_kwargs: {}, response_metadata: {}, tool_calls: [], invalid_tool_calls: [] };
}

/** The run's answer as the ai message of the state (only a completed run has one: no partial reply is kept). */
export function answerMessageOf(run: Pick<RunRecord, 'id' | 'status' | 'result'>): LgMessage | undefined {
  return run.status === 'completed' ? aiMessage(`${runUuidOf(run.id)}-output`, run.result ?? '', 'global_supervisor') : undefined;
}

/** A run's turn of the conversation: its task, and its answer once it completed. */
export function messagesOfRun(run: RunRecord): LgMessage[] {
  const answer = answerMessageOf(run);
  return answer ? [humanMessageOf(run), answer] : [humanMessageOf(run)];
}

/** The interrupts of a run waiting for a human: each open request, by the run's task id. */
export function interruptsOf(run: RunRecord | undefined): Record<string, Array<{ id: string; value: unknown }>> {
  if (!run || run.status !== 'waiting_input') return {};
  return { [runUuidOf(run.id)]: run.pendingInputs.map((p) => ({ id: p.request_id, value: p })) };
}

/** A thread as LangGraph shows it (Cadre's four statuses are LangGraph's); its metadata names its assistant, as LangGraph's does once it ran. */
export function threadOf(t: ThreadView, values: { messages: LgMessage[] }, last: RunRecord | undefined) {
  return {
    thread_id: t.id, created_at: t.created_at, updated_at: t.updated_at,
    state_updated_at: last ? (last.completedAt ?? last.startedAt ?? last.createdAt).toISOString() : t.updated_at,
    metadata: { ...t.metadata, assistant_id: t.hierarchy_id, graph_id: GRAPH_ID },
    status: t.status, values, interrupts: interruptsOf(last), config: { configurable: { thread_id: t.id } },
  };
}
