import type { EventSource, RunEvent } from '../../events/run-event.ts';
import type { RunRecord } from '../../domain/run-records.ts';
import { checkpointIdOf, runUuidOf } from './lg-ids.ts';
import { aiMessage, answerMessageOf, GRAPH_ID, humanMessageOf, type LgMessage, type StreamMode } from './lg-views.ts';

/** One SSE event as LangGraph names it (`updates`, `messages|team:Writers`, …), before its id is given. */
export interface LgEvent {
  event: string;
  data: unknown;
}

/**
 * Where an agent sits in the graph Cadre's hierarchy is shown as: the global supervisor is the
 * root graph's node `global_supervisor`; each team a subgraph node `team:<team>` of it, whose
 * workers are its nodes `worker:<team>/<worker>`. `ns` is the namespace an agent's own events
 * (its tokens, its delegations) are in: the path of subgraphs down to it.
 */
function placeOf(source: EventSource | null): { node: string; ns: string[] } {
  if (!source || source.agent_type === 'global_supervisor') return { node: 'global_supervisor', ns: [] };
  const team = `team:${source.team_name ?? source.agent_name}`;
  if (source.agent_type === 'team_supervisor') return { node: team, ns: [team] };
  const worker = `worker:${source.team_name}/${source.agent_name}`;
  return { node: worker, ns: [team, worker] };
}

function outcomeText(outcome: { output?: string | null; partial_output?: string | null; error?: string | null; status?: string } | undefined): string {
  return outcome?.output ?? outcome?.partial_output ?? outcome?.error ?? outcome?.status ?? '';
}

/**
 * Maps one run's Cadre events, in order, to LangGraph stream events for the modes asked. It
 * holds what LangGraph's events carry across Cadre's (the id of the model message each token
 * belongs to), so a stream is mapped from the run's first event on, always the same way: a
 * resumed stream skips what it delivered, it does not map from the middle.
 */
export class LgFrameMapper {
  readonly #run: RunRecord;
  readonly #runUuid: string;
  readonly #threadId: string;
  readonly #prior: LgMessage[];
  readonly #modes: ReadonlySet<StreamMode>;
  readonly #subgraphs: boolean;
  /** The message each agent is streaming (its model turn), by agent id: a new turn is a new message. */
  readonly #turns = new Map<string, string>();
  #answer: LgMessage | undefined;
  #ended = false;

  constructor(run: RunRecord, prior: LgMessage[], modes: readonly StreamMode[], subgraphs: boolean) {
    this.#run = run;
    this.#runUuid = runUuidOf(run.id);
    this.#threadId = run.threadId ?? '';
    this.#prior = prior;
    this.#modes = new Set(modes);
    this.#subgraphs = subgraphs;
  }

  /** What every stream begins with. */
  metadata(): LgEvent {
    return { event: 'metadata', data: { run_id: this.#runUuid, thread_id: this.#threadId, attempt: 1 } };
  }

  /** Whether the run's end was mapped (its terminal event): nothing follows it. */
  get ended(): boolean {
    return this.#ended;
  }

  #values(): { messages: LgMessage[] } {
    return { messages: [...this.#prior, humanMessageOf(this.#run), ...(this.#answer ? [this.#answer] : [])] };
  }

  /** `mode` in namespace `ns`: nested events only with stream_subgraphs, named `mode|ns…` (the SDK splits on `|`). */
  #emit(out: LgEvent[], mode: StreamMode, ns: string[], data: unknown, nested: 'drop' | 'root' = 'drop'): void {
    if (!this.#modes.has(mode)) return;
    const event = mode === 'messages-tuple' ? 'messages' : mode;
    if (ns.length === 0) out.push({ event, data });
    else if (this.#subgraphs) out.push({ event: `${event}|${ns.join('|')}`, data });
    else if (nested === 'root') out.push({ event, data });
  }

  #config(checkpointId: string | null) {
    return { configurable: { thread_id: this.#threadId, checkpoint_ns: '', checkpoint_id: checkpointId } };
  }

  #checkpoint(e: RunEvent, ended: boolean): unknown {
    return {
      type: 'checkpoint', timestamp: e.timestamp, step: e.sequence,
      payload: {
        config: this.#config(checkpointIdOf(this.#run.id, ended)), parent_config: null, values: this.#values(),
        metadata: { source: ended ? 'loop' : 'input', step: e.sequence, run_id: this.#runUuid, graph_id: GRAPH_ID, assistant_id: this.#run.hierarchyId },
        next: ended ? [] : ['global_supervisor'],
        tasks: ended ? [] : [{ id: this.#runUuid, name: 'global_supervisor', interrupts: [] }],
      },
    };
  }

  #event(name: string, kind: string, runId: string, data: unknown, place: { node: string; ns: string[] }, metadata: Record<string, unknown> = {}): unknown {
    return {
      event: kind, name, run_id: runId, tags: [], parent_ids: runId === this.#runUuid ? [] : [this.#runUuid], data,
      metadata: {
        thread_id: this.#threadId, run_id: this.#runUuid, graph_id: GRAPH_ID, assistant_id: this.#run.hierarchyId, langgraph_node: place.node, langgraph_checkpoint_ns: place.ns.join('|'),
        ...metadata,
      },
    };
  }

  #chunk(id: string, content: string, toolCallChunks: unknown[] = []): unknown {
    return { type: 'AIMessageChunk', content, id, additional_kwargs: {}, response_metadata: {}, tool_calls: [], invalid_tool_calls: [], tool_call_chunks: toolCallChunks };
  }

  #turnOf(e: RunEvent, agentId: string): string {
    let id = this.#turns.get(agentId);
    if (!id) {
      id = `${this.#runUuid}-${agentId}-${e.sequence}`;
      this.#turns.set(agentId, id);
    }
    return id;
  }

  /** The LangGraph events one Cadre event means (in the modes asked), in order. */
  map(e: RunEvent): LgEvent[] {
    const out: LgEvent[] = [];
    // custom: every Cadre event as it is, for what the other modes do not show (budgets, agent control, …).
    this.#emit(out, 'custom', placeOf(e.source).ns, e, 'root');
    out.push(...this.#mapped(e));
    return out;
  }

  #mapped(e: RunEvent): LgEvent[] {
    const out: LgEvent[] = [];
    const place = placeOf(e.source);
    const kind = `${e.event.category}.${e.event.action}`;
    const d = e.data as Record<string, unknown>;
    switch (kind) {
      case 'lifecycle.started':
        this.#emit(out, 'values', [], this.#values());
        this.#emit(out, 'debug', [], this.#checkpoint(e, false));
        this.#emit(out, 'events', [], this.#event(GRAPH_ID, 'on_chain_start', this.#runUuid, { input: { messages: [humanMessageOf(this.#run)] } }, place));
        break;
      case 'llm.stream': {
        const id = this.#turnOf(e, e.source?.agent_id ?? '');
        const chunk = this.#chunk(id, String(d.content ?? ''));
        const meta = { tags: [], langgraph_node: place.node, langgraph_checkpoint_ns: place.ns.join('|'), run_id: this.#runUuid, thread_id: this.#threadId, agent_id: e.source?.agent_id ?? null };
        // Tokens of every agent reach the messages stream (as LangGraph's of every nested model); only their name says where.
        this.#emit(out, 'messages-tuple', place.ns, [chunk, meta], 'root');
        this.#emit(out, 'events', [], this.#event(place.node, 'on_chat_model_stream', id, { chunk }, place));
        break;
      }
      case 'llm.call_started': {
        // A model call is a new message: its tokens (on_chat_model_stream) carry its id.
        this.#turns.delete(e.source?.agent_id ?? '');
        const id = this.#turnOf(e, e.source?.agent_id ?? '');
        this.#emit(out, 'events', [], this.#event(place.node, 'on_chat_model_start', id, { input: { messages: [d.messages ?? []] } }, place, {
          ls_provider: d.provider, ls_model_name: d.model_id,
        }));
        break;
      }
      case 'llm.call_completed': {
        const id = this.#turnOf(e, e.source?.agent_id ?? '');
        const usage = d.usage as { input_tokens?: number; output_tokens?: number } | undefined;
        const output = {
          ...(this.#chunk(id, '') as Record<string, unknown>),
          usage_metadata: { input_tokens: usage?.input_tokens ?? 0, output_tokens: usage?.output_tokens ?? 0, total_tokens: (usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0) },
          response_metadata: { status: d.status, ...(d.error !== undefined && { error: d.error }) },
        };
        this.#emit(out, 'events', [], this.#event(place.node, 'on_chat_model_end', id, { output }, place));
        break;
      }
      case 'llm.tool_call': {
        const id = this.#turnOf(e, e.source?.agent_id ?? '');
        const call = { id: d.tool_call_id, name: d.tool_name, args: JSON.stringify(d.input ?? null), index: 0, type: 'tool_call_chunk' };
        const meta = { tags: [], langgraph_node: place.node, langgraph_checkpoint_ns: place.ns.join('|'), run_id: this.#runUuid, thread_id: this.#threadId, agent_id: e.source?.agent_id ?? null };
        this.#emit(out, 'messages-tuple', place.ns, [this.#chunk(id, '', [call]), meta], 'root');
        this.#emit(out, 'events', [], this.#event(String(d.tool_name), 'on_tool_start', String(d.tool_call_id), { input: d.input }, place));
        break;
      }
      case 'llm.tool_result':
        this.#turns.delete(e.source?.agent_id ?? '');
        this.#emit(out, 'events', [], this.#event(String(d.tool_name), 'on_tool_end', String(d.tool_call_id), { output: d.result }, place));
        break;
      case 'dispatch.team':
      case 'dispatch.worker': {
        const child = kind === 'dispatch.team' ? `team:${d.team_name}` : `worker:${d.team_name}/${d.worker_name}`;
        const input = { messages: [{ type: 'human', content: String(d.task ?? ''), id: `${this.#runUuid}-${d.tool_call_id}-input`, additional_kwargs: {}, response_metadata: {} }] };
        this.#emit(out, 'debug', place.ns, { type: 'task', timestamp: e.timestamp, step: e.sequence, payload: { id: d.tool_call_id, name: child, input, triggers: [place.node] } });
        this.#emit(out, 'events', [], this.#event(child, 'on_chain_start', String(d.tool_call_id), { input }, place));
        break;
      }
      case 'dispatch.team_completed':
      case 'dispatch.worker_completed': {
        this.#turns.delete(e.source?.agent_id ?? '');
        const child = kind === 'dispatch.team_completed' ? `team:${d.team_name}` : `worker:${d.team_name}/${d.worker_name}`;
        const outcome = d.outcome as Parameters<typeof outcomeText>[0];
        const update = { messages: [aiMessage(`${this.#runUuid}-${d.tool_call_id}-output`, outcomeText(outcome ?? { status: String(d.status ?? '') }), child)] };
        this.#emit(out, 'updates', place.ns, { [child]: update });
        this.#emit(out, 'debug', place.ns, {
          type: 'task_result', timestamp: e.timestamp, step: e.sequence,
          payload: { id: d.tool_call_id, name: child, error: d.ok === false ? (outcome?.error ?? String(d.status ?? 'failed')) : null, result: [['messages', update.messages]], interrupts: [] },
        });
        this.#emit(out, 'events', [], this.#event(child, 'on_chain_end', String(d.tool_call_id), { output: update }, place));
        break;
      }
      case 'human.requested':
        this.#emit(out, 'updates', [], { __interrupt__: [{ id: d.request_id, value: { ...d, agent_id: e.source?.agent_id ?? null } }] });
        break;
      case 'lifecycle.completed':
        out.push(...this.#completed(e, typeof d.result === 'string' ? d.result : ''));
        break;
      case 'lifecycle.failed':
        this.#ended = true;
        out.push({ event: 'error', data: { error: 'RunError', message: String(d.error ?? 'the run failed') } });
        break;
      case 'lifecycle.cancelled':
        this.#ended = true;
        break;
      default:
        break;
    }
    return out;
  }

  #completed(e: RunEvent, result: string): LgEvent[] {
    const out: LgEvent[] = [];
    this.#ended = true;
    this.#answer = answerMessageOf({ id: this.#run.id, status: 'completed', result });
    this.#emit(out, 'updates', [], { global_supervisor: { messages: [this.#answer] } });
    this.#emit(out, 'debug', [], {
      type: 'task_result', timestamp: e.timestamp, step: e.sequence,
      payload: { id: this.#runUuid, name: 'global_supervisor', error: null, result: [['messages', [this.#answer]]], interrupts: [] },
    });
    this.#emit(out, 'values', [], this.#values());
    this.#emit(out, 'debug', [], this.#checkpoint(e, true));
    this.#emit(out, 'events', [], this.#event(GRAPH_ID, 'on_chain_end', this.#runUuid, { output: this.#values() }, { node: 'global_supervisor', ns: [] }));
    return out;
  }

  /**
   * The end of a run learnt from its record, not an event (its terminal event could not be
   * stored): what its terminal event would have meant. Nothing for a run waiting for a human:
   * its requests were streamed as they came.
   */
  final(run: RunRecord, lastSequence: number): LgEvent[] {
    if (this.#ended) return [];
    const at = (run.completedAt ?? new Date()).toISOString();
    const e = (action: string, data: Record<string, unknown>): RunEvent => ({
      run_id: run.id, timestamp: at, sequence: lastSequence + 1, source: null, event: { category: 'lifecycle', action }, data,
    });
    // Not a stored event, so not one `custom` shows.
    if (run.status === 'completed') return this.#mapped(e('completed', { result: run.result }));
    if (run.status === 'failed') return this.#mapped(e('failed', { error: run.error }));
    if (run.status === 'cancelled') return this.#mapped(e('cancelled', {}));
    return [];
  }
}
