import type { EventSource, RunEvent, StoredEvent } from './run-event.ts';
import { bounded, boundedText, type RunTrace, type SpanStatus, type SpanUsage } from './trace-span.ts';
import { TraceTopology, tracedAgentOf } from './trace-topology.ts';
import { SpanTable, type SpanState } from './trace-span-table.ts';
import { TraceDelegations } from './trace-delegations.ts';

/** Spans a trace holds at most: a run past it is answered `truncated`, its later spans left out. */
export const MAX_TRACE_SPANS = 5000;

const TASK_STATUS: Record<string, SpanStatus> = { completed: 'ok', cancelled: 'cancelled' };
const RUN_STATUS: Record<string, SpanStatus> = { completed: 'ok', failed: 'error', cancelled: 'cancelled' };
const CALL_STATUS: Record<string, SpanStatus> = { ok: 'ok', failed: 'error', cancelled: 'cancelled' };

/**
 * Folds a run's stored events, in sequence order, into a trace: one span per agent task, model
 * call, tool call and wait for a human, nested as the actor tree (run → the global supervisor's
 * task → its model calls and delegated team tasks → the team supervisor's calls and worker
 * tasks → the workers' calls and tool calls). Pure and incremental: `add` pages as they are
 * read, `result` at any point (a live run's spans are open). Token deltas are not parsed at all:
 * a call's text is counted by its `llm.call_completed`, and runs/trace/span reads it.
 */
export class TraceBuilder {
  readonly #topology: TraceTopology;
  readonly #spans: SpanTable;
  #globalTask: SpanState | null = null;
  #ended = false;
  #lastSequence = 0;
  /** `<supervisor>|<tool_call_id>` → the agent task its dispatch opened. */
  readonly #dispatched = new Map<string, { span: SpanState; target: string }>();
  /** Supervisors' tool calls until their result (see trace-delegations.ts). */
  readonly #delegations: TraceDelegations;
  readonly #openCalls = new Map<string, SpanState>();
  /** `<agent>|<tool_call_id>` → its open tool call. */
  readonly #tools = new Map<string, SpanState>();
  readonly #humans = new Map<string, SpanState>();

  constructor(options: { topology?: Record<string, unknown> | null; maxSpans?: number } = {}) {
    this.#spans = new SpanTable(options.maxSpans ?? MAX_TRACE_SPANS);
    this.#delegations = new TraceDelegations(this.#spans);
    this.#topology = new TraceTopology(options.topology ?? null);
  }

  add(events: readonly StoredEvent[]): void {
    for (const stored of events) {
      if (stored.sequence <= this.#lastSequence) continue;
      this.#lastSequence = stored.sequence;
      if (stored.category === 'llm' && (stored.action === 'stream' || stored.action === 'reasoning')) continue;
      this.#apply(JSON.parse(stored.json) as RunEvent);
    }
  }

  #apply(e: RunEvent): void {
    const at = Date.parse(e.timestamp);
    const d = e.data;
    const seq = e.sequence;
    const table = this.#spans;
    table.run ??= table.open('run', null, 'run', 'run', null, at, seq, {});
    const kind = `${e.event.category}.${e.event.action}`;
    const agentId = e.source?.agent_id ?? null;
    switch (kind) {
      case 'lifecycle.started':
        if (table.run) table.run.span.attributes.task = bounded(d.task);
        this.#openGlobalTask(at, seq);
        return;
      case 'lifecycle.resumed':
        if (table.run) table.run.span.attributes.resumes = d.resume;
        return;
      case 'lifecycle.completed':
      case 'lifecycle.failed':
      case 'lifecycle.cancelled':
        this.#end(e.event.action, boundedText(d.error), at, seq);
        return;
      case 'system.topology':
        this.#topology.read(d.topology);
        this.#openGlobalTask(table.run?.startAt ?? at, seq);
        return;
      case 'dispatch.team':
      case 'dispatch.worker':
        if (e.source) this.#dispatch(e.source, e.event.action, d, at, seq);
        return;
      case 'dispatch.team_completed':
      case 'dispatch.worker_completed':
        if (e.source) this.#dispatchEnded(e.source, d, at, seq);
        return;
      case 'llm.call_started':
        if (e.source) this.#callStarted(e.source, d, at, seq);
        return;
      case 'llm.call_completed':
        this.#callEnded(agentId, d, at, seq);
        return;
      case 'llm.tool_call':
        if (e.source) this.#toolCall(e.source, d, at, seq);
        return;
      case 'llm.tool_result':
        if (e.source) this.#toolResult(e.source, d, at, seq);
        return;
      case 'agent.cancelled':
        this.#agentStopped(typeof d.agent_id === 'string' ? d.agent_id : agentId, at, seq);
        return;
      case 'human.requested':
        if (e.source) this.#humanRequested(e.source, d, at, seq);
        return;
      case 'human.responded':
      case 'human.withdrawn':
        this.#humanAnswered(e.event.action, d, at, seq);
        return;
      default:
        return;
    }
  }

  #openGlobalTask(at: number, seq: number): void {
    const global = this.#topology.global;
    if (this.#globalTask || !global || this.#ended) return;
    this.#globalTask = this.#spans.openTask(global, this.#spans.run, global.name ?? 'Global Supervisor', at, seq, {});
  }

  #dispatch(source: EventSource, action: string, d: Record<string, unknown>, at: number, seq: number): void {
    const key = `${source.agent_id}|${String(d.tool_call_id)}`;
    // The same delegation again: a resumed run repeating what followed its checkpoint.
    const again = this.#dispatched.get(key);
    if (again) {
      this.#spans.reopenTask(again.target, again.span, seq);
      return;
    }
    const team = String(d.team_name ?? '');
    const target = action === 'team' ? this.#topology.teamSupervisor(team) : this.#topology.worker(team, String(d.worker_name ?? ''));
    this.#delegations.dispatched(key);
    const name = action === 'team' ? `team ${team}` : String(d.worker_name ?? target);
    const span = this.#spans.openTask(this.#topology.agent(target), this.#spans.parentOf(source.agent_id), name, at, seq, {
      task: bounded(d.task), tool_call_id: d.tool_call_id, delegated_by: source.agent_id,
    });
    if (span) this.#dispatched.set(key, { span, target });
  }

  #dispatchEnded(source: EventSource, d: Record<string, unknown>, at: number, seq: number): void {
    const key = `${source.agent_id}|${String(d.tool_call_id)}`;
    const open = this.#dispatched.get(key);
    const outcome = d.outcome as { status?: string; error?: string | null } | undefined;
    const status = outcome?.status ?? (typeof d.status === 'string' ? d.status : d.ok === false ? 'failed' : 'completed');
    if (!open || open.span.endAt !== null) {
      // Answered without a run of its own (a duplicate of an earlier task): its tool call says so.
      if (d.deduplicated === true) this.#delegations.deduplicated(key);
      return;
    }
    open.span.span.attributes.outcome = status;
    this.#spans.endTask(open.target, open.span, TASK_STATUS[status] ?? 'error', at, seq, boundedText(outcome?.error));
  }

  #callStarted(source: EventSource, d: Record<string, unknown>, at: number, seq: number): void {
    const id = `call:${String(d.call_id)}`;
    const attributes = {
      call_id: d.call_id, model: d.model, provider: d.provider, model_id: d.model_id, messages_from: d.messages_from,
      new_messages: Array.isArray(d.messages) ? d.messages.length : 0, tools: bounded(d.tools),
      // Issued again after a move whose first start never reached the log (it goes out with the call's first deltas).
      ...(d.restarted === true && { restarts: 1 }),
    };
    const madeAt = typeof d.started_at === 'string' ? Date.parse(d.started_at) : Number.NaN;
    const existing = this.#spans.get(id);
    if (existing) {
      // Issued again after the run moved to another process (or repeated after its checkpoint): one span, restarted.
      Object.assign(existing.span.attributes, { ...attributes, restarts: Number(existing.span.attributes.restarts ?? 0) + 1 });
      this.#spans.reopen(existing, seq);
      this.#openCalls.set(source.agent_id, existing);
      return;
    }
    const span = this.#spans.open(id, this.#spans.parentOf(source.agent_id), 'model_call', String(d.model ?? 'model call'), tracedAgentOf(source),
      Number.isFinite(madeAt) ? Math.min(madeAt, at) : at, seq, attributes);
    if (span) this.#openCalls.set(source.agent_id, span);
  }

  #callEnded(agentId: string | null, d: Record<string, unknown>, at: number, seq: number): void {
    const span = this.#spans.get(`call:${String(d.call_id)}`);
    if (!span) return;
    const usage = d.usage as Partial<SpanUsage> | undefined;
    span.span.usage = {
      input_tokens: usage?.input_tokens ?? 0, output_tokens: usage?.output_tokens ?? 0,
      reasoning_tokens: usage?.reasoning_tokens ?? 0, cached_input_tokens: usage?.cached_input_tokens ?? 0,
    };
    span.span.cost_usd = typeof d.cost_usd === 'number' ? d.cost_usd : 0;
    const finish = d.finish as { reason?: unknown; text_chars?: unknown; tool_calls?: unknown } | undefined;
    Object.assign(span.span.attributes, {
      retries: d.retries, reported_duration_ms: d.duration_ms,
      ...(finish && { finish_reason: finish.reason, text_chars: finish.text_chars, tool_calls: finish.tool_calls }),
    });
    this.#spans.close(span, CALL_STATUS[String(d.status)] ?? 'error', at, seq, boundedText(d.error));
    if (agentId && this.#openCalls.get(agentId) === span) this.#openCalls.delete(agentId);
  }

  #toolCall(source: EventSource, d: Record<string, unknown>, at: number, seq: number): void {
    const key = `${source.agent_id}|${String(d.tool_call_id)}`;
    const toolName = String(d.tool_name ?? 'tool');
    if (source.agent_type !== 'worker') {
      // A supervisor's call is a delegation: its agent task is its span once dispatched.
      this.#delegations.called(key, source, toolName, d, at, seq);
      return;
    }
    const id = `tool:${source.agent_id}#${String(d.tool_count ?? seq)}`;
    const attributes = { tool_call_id: d.tool_call_id, tool_source: d.tool_source ?? null, input: bounded(d.input) };
    const existing = this.#spans.get(id);
    const span = existing ?? this.#spans.open(id, this.#spans.parentOf(source.agent_id), 'tool_call', toolName, tracedAgentOf(source), at, seq, attributes);
    if (!span) return;
    if (existing) {
      Object.assign(existing.span.attributes, attributes);
      this.#spans.reopen(existing, seq);
    }
    this.#tools.set(key, span);
  }

  #toolResult(source: EventSource, d: Record<string, unknown>, at: number, seq: number): void {
    const key = `${source.agent_id}|${String(d.tool_call_id)}`;
    const error = d.is_error === true ? boundedText(d.result) : null;
    if (source.agent_type !== 'worker') {
      this.#delegations.answered(key, source, d, error, at, seq);
      return;
    }
    const span = this.#tools.get(key);
    this.#tools.delete(key);
    if (!span) return;
    span.span.attributes.result = bounded(d.result);
    // A turn's results go out together when its last call is done: each call's own duration says when it ended.
    const took = typeof d.duration_ms === 'number' ? d.duration_ms : null;
    const endAt = took === null ? at : Math.min(at, (span.ranFrom ?? span.startAt) + took);
    this.#spans.close(span, error === null ? 'ok' : 'error', endAt, seq, error);
  }

  #humanRequested(source: EventSource, d: Record<string, unknown>, at: number, seq: number): void {
    const tool = this.#tools.get(`${source.agent_id}|${String(d.tool_call_id)}`);
    const question = d.kind === 'question';
    const span = this.#spans.open(`human:${String(d.request_id)}`, tool ?? this.#spans.parentOf(source.agent_id), 'human_wait',
      question ? 'waiting for an answer' : `waiting for approval of ${String(d.tool_name)}`, tracedAgentOf(source), at, seq,
      { request_id: d.request_id, kind: d.kind, tool_name: d.tool_name, ...(question && { question: bounded(d.question) }) });
    if (span) this.#humans.set(String(d.request_id), span);
  }

  #humanAnswered(action: string, d: Record<string, unknown>, at: number, seq: number): void {
    const span = this.#humans.get(String(d.request_id));
    if (!span) return;
    this.#humans.delete(String(d.request_id));
    Object.assign(span.span.attributes, { approved: d.approved, answer: bounded(d.answer), message: bounded(d.message) });
    this.#spans.close(span, action === 'withdrawn' ? 'cancelled' : 'ok', at, seq);
    const tool = span.span.parent_id ? this.#spans.get(span.span.parent_id) : undefined;
    if (tool?.span.kind === 'tool_call') tool.ranFrom = at;
  }

  /** An agent stopped (runs/agents/cancel): its call and tools in flight were aborted (their own ends are never written). */
  #agentStopped(agentId: string | null, at: number, seq: number): void {
    if (!agentId) return;
    this.#spans.close(this.#openCalls.get(agentId), 'cancelled', at, seq);
    this.#openCalls.delete(agentId);
    for (const [key, span] of this.#tools) {
      if (key.startsWith(`${agentId}|`)) {
        this.#spans.close(span, 'cancelled', at, seq);
        this.#tools.delete(key);
      }
    }
    for (const [id, span] of this.#humans) {
      if (span.span.agent_id === agentId) {
        this.#spans.close(span, 'cancelled', at, seq);
        this.#humans.delete(id);
      }
    }
  }

  /** The run ended: it and the global supervisor's task end with its status; whatever is still open was stopped with it. */
  #end(action: string, error: string | null, at: number, seq: number): void {
    this.#ended = true;
    const status = RUN_STATUS[action] ?? 'error';
    this.#spans.close(this.#spans.run, status, at, seq, error);
    this.#spans.close(this.#globalTask, status, at, seq, error);
    for (const span of this.#spans.values()) this.#spans.close(span, 'cancelled', at, seq);
  }

  /** The trace so far; `now` (epoch ms) is where the bars of open spans end. */
  result(now = Date.now()): RunTrace {
    return this.#spans.result(now, this.#lastSequence);
  }
}
