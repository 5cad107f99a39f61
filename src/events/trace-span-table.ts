import type { RunTrace, SpanKind, SpanStatus, TraceSpan } from './trace-span.ts';
import type { TracedAgent } from './trace-topology.ts';
import { traceTotals, withRolledUpUsage } from './trace-totals.ts';

/** A span while it is built: times as epoch milliseconds. */
export interface SpanState {
  span: Omit<TraceSpan, 'start' | 'start_ms' | 'end' | 'end_ms' | 'duration_ms'>;
  startAt: number;
  endAt: number | null;
  /** A gated tool call: when its human approved it (its tool ran from then). */
  ranFrom?: number;
}

/**
 * The spans of a trace being built, bounded (past `maxSpans` none is added, and the trace says
 * it is truncated), with each agent's open tasks: the first is the one it works on, since an
 * agent takes its tasks in the order they came.
 */
export class SpanTable {
  readonly #maxSpans: number;
  readonly #spans = new Map<string, SpanState>();
  readonly #tasks = new Map<string, SpanState[]>();
  readonly #taskCounts = new Map<string, number>();
  #truncated = false;
  run: SpanState | null = null;

  constructor(maxSpans: number) {
    this.#maxSpans = maxSpans;
  }

  get(id: string): SpanState | undefined {
    return this.#spans.get(id);
  }

  values(): IterableIterator<SpanState> {
    return this.#spans.values();
  }

  open(id: string, parent: SpanState | null, kind: SpanKind, name: string, agent: TracedAgent | null, at: number, sequence: number, attributes: Record<string, unknown>): SpanState | null {
    if (this.#spans.size >= this.#maxSpans) {
      this.#truncated = true;
      return null;
    }
    const state: SpanState = {
      startAt: at, endAt: null,
      span: {
        span_id: id, parent_id: parent?.span.span_id ?? null, kind, agent_id: agent?.id ?? null, agent_name: agent?.name ?? null, team_name: agent?.team ?? null,
        name, status: 'running', usage: null, cost_usd: null, error: null, attributes, first_sequence: sequence, last_sequence: sequence,
      },
    };
    this.#spans.set(id, state);
    return state;
  }

  /** Ends a span once: a second end (a repeat after a resume, the run's end sweeping up) leaves the first. */
  close(state: SpanState | null | undefined, status: SpanStatus, at: number, sequence: number, error: string | null = null): void {
    if (!state || state.endAt !== null) return;
    state.endAt = Math.max(at, state.startAt);
    state.span.status = status;
    state.span.error = error;
    state.span.last_sequence = sequence;
  }

  /** Opens a span again (its call issued anew after a resume): it keeps its start. */
  reopen(state: SpanState, sequence: number): void {
    state.endAt = null;
    Object.assign(state.span, { status: 'running', error: null, last_sequence: sequence });
  }

  /** The span an agent's calls and delegations nest under: the task it works on (else the run). */
  parentOf(agentId: string): SpanState | null {
    return this.#tasks.get(agentId)?.[0] ?? this.run;
  }

  openTask(agent: TracedAgent, parent: SpanState | null, name: string, at: number, seq: number, attributes: Record<string, unknown>): SpanState | null {
    const n = (this.#taskCounts.get(agent.id) ?? 0) + 1;
    this.#taskCounts.set(agent.id, n);
    const state = this.open(`task:${agent.id}#${n}`, parent, 'agent_task', name, agent, at, seq, attributes);
    if (state) this.#tasks.set(agent.id, [...(this.#tasks.get(agent.id) ?? []), state]);
    return state;
  }

  /** A task dispatched again (a resumed run repeating what followed its checkpoint): open, and its agent's again. */
  reopenTask(agentId: string, state: SpanState, seq: number): void {
    if (state.endAt === null) return;
    this.reopen(state, seq);
    const queue = this.#tasks.get(agentId) ?? [];
    if (!queue.includes(state)) this.#tasks.set(agentId, [...queue, state]);
  }

  endTask(agentId: string, state: SpanState, status: SpanStatus, at: number, seq: number, error: string | null): void {
    this.close(state, status, at, seq, error);
    const queue = this.#tasks.get(agentId);
    if (queue) this.#tasks.set(agentId, queue.filter((s) => s !== state));
  }

  /** The trace so far; `now` (epoch ms) is where the bars of open spans end. */
  result(now: number, lastSequence: number): RunTrace {
    const runStart = this.run?.startAt ?? now;
    const nowAt = this.run?.endAt ?? Math.max(now, runStart);
    const iso = (ms: number) => new Date(ms).toISOString();
    const spans = withRolledUpUsage([...this.#spans.values()].map((state): TraceSpan => ({
      ...state.span,
      attributes: { ...state.span.attributes },
      start: iso(state.startAt),
      start_ms: state.startAt - runStart,
      end: state.endAt === null ? null : iso(state.endAt),
      end_ms: state.endAt === null ? null : state.endAt - runStart,
      duration_ms: state.endAt === null ? null : state.endAt - state.startAt,
    })));
    return {
      started_at: this.run ? iso(this.run.startAt) : null,
      ended_at: this.run?.endAt != null ? iso(this.run.endAt) : null,
      now_ms: nowAt - runStart,
      spans,
      totals: traceTotals(spans, nowAt - runStart),
      truncated: this.#truncated,
      last_sequence: lastSequence,
    };
  }
}
