import type { RunEvent, StoredEvent } from './run-event.ts';
import type { TraceSpan } from './trace-span.ts';

/**
 * Everything the events hold about one span, unabridged (runs/trace/span). Which fields are set
 * depends on its kind: a model call's whole input (the system prompt and the conversation,
 * rebuilt from its agent's `llm.call_started` deltas), its output text, reasoning and the tool
 * calls it asked for; a tool call's input and result; a task's task and outcome; a wait's request
 * and answer.
 */
export interface SpanDetail {
  system?: string | null;
  messages?: unknown[];
  output_text?: string;
  reasoning?: string;
  tool_calls?: Array<{ tool_call_id: unknown; tool_name: unknown; input: unknown }>;
  input?: unknown;
  result?: unknown;
  is_error?: boolean;
  tool_source?: unknown;
  task?: string | null;
  outcome?: unknown;
  error?: string | null;
  request?: Record<string, unknown>;
  response?: Record<string, unknown> | null;
}

/** Collects a span's detail from the run's events, fed in order from the first (or from `from` on). */
export interface SpanDetailCollector {
  /** The first sequence it needs. */
  readonly from: number;
  add(events: readonly StoredEvent[]): void;
  /** Nothing later can change the detail: reading may stop. */
  readonly done: boolean;
  result(): SpanDetail;
}

const parse = (stored: StoredEvent) => JSON.parse(stored.json) as RunEvent;

/** The collector for `span` (as the trace builder made it). */
export function spanDetailCollector(span: TraceSpan): SpanDetailCollector {
  if (span.kind === 'model_call') return new ModelCallDetail(span.agent_id ?? '', String(span.attributes.call_id));
  return new RangeDetail(span);
}

/**
 * A model call: every call of its agent before it is read (each carries only the messages past
 * `messages_from`), then its deltas until its end, then the tool calls it asked for (announced
 * after its end, before the agent's next call).
 */
class ModelCallDetail implements SpanDetailCollector {
  readonly from = 1;
  readonly #agentId: string;
  readonly #callId: string;
  #conversation: unknown[] = [];
  #system: string | null = null;
  #input: unknown[] | null = null;
  #phase: 'before' | 'answering' | 'after' | 'done' = 'before';
  #text: string[] = [];
  #reasoning: string[] = [];
  #toolCalls: NonNullable<SpanDetail['tool_calls']> = [];

  constructor(agentId: string, callId: string) {
    this.#agentId = agentId;
    this.#callId = callId;
  }

  get done(): boolean {
    return this.#phase === 'done';
  }

  add(events: readonly StoredEvent[]): void {
    for (const stored of events) {
      if (stored.category !== 'llm') continue;
      const streaming = stored.action === 'stream' || stored.action === 'reasoning';
      // Deltas are parsed only while the call answers (its agent's are among them).
      if (streaming && this.#phase !== 'answering') continue;
      if (stored.action === 'tool_call' && this.#phase !== 'after') continue;
      const e = parse(stored);
      if (e.source?.agent_id !== this.#agentId) continue;
      const d = e.data;
      if (stored.action === 'call_started') this.#started(d);
      else if (stored.action === 'stream') this.#text.push(String(d.content ?? ''));
      else if (stored.action === 'reasoning') this.#reasoning.push(String(d.content ?? ''));
      else if (stored.action === 'call_completed' && d.call_id === this.#callId && this.#phase === 'answering') this.#phase = 'after';
      else if (stored.action === 'tool_call') this.#toolCalls.push({ tool_call_id: d.tool_call_id, tool_name: d.tool_name, input: d.input });
    }
  }

  #started(d: Record<string, unknown>): void {
    if (typeof d.system === 'string') this.#system = d.system;
    const from = typeof d.messages_from === 'number' ? d.messages_from : 0;
    this.#conversation = [...this.#conversation.slice(0, from), ...(Array.isArray(d.messages) ? d.messages : [])];
    if (d.call_id === this.#callId) {
      // Its start again (a restart after the run moved): what it answers from here is its output.
      this.#input = [...this.#conversation];
      this.#phase = 'answering';
      this.#text = [];
      this.#reasoning = [];
      this.#toolCalls = [];
    } else if (this.#phase === 'after') {
      this.#phase = 'done';
    }
  }

  result(): SpanDetail {
    return {
      system: this.#system, messages: this.#input ?? [], output_text: this.#text.join(''), reasoning: this.#reasoning.join(''), tool_calls: this.#toolCalls,
    };
  }
}

/** Any other span: the events between its first and last sequence that name it. */
class RangeDetail implements SpanDetailCollector {
  readonly from: number;
  readonly #span: TraceSpan;
  readonly #detail: SpanDetail = {};
  #done = false;

  constructor(span: TraceSpan) {
    this.#span = span;
    this.from = span.first_sequence;
  }

  get done(): boolean {
    return this.#done;
  }

  add(events: readonly StoredEvent[]): void {
    const span = this.#span;
    const a = span.attributes;
    for (const stored of events) {
      if (stored.sequence > span.last_sequence) {
        this.#done = true;
        return;
      }
      if (stored.category === 'llm' && (stored.action === 'stream' || stored.action === 'reasoning')) continue;
      const e = parse(stored);
      const kind = `${e.event.category}.${e.event.action}`;
      const d = e.data;
      const own = e.source?.agent_id === span.agent_id;
      if (span.kind === 'run' || (span.kind === 'agent_task' && a.delegated_by === undefined)) {
        // The run, and the global supervisor's task (the run's own).
        if (kind === 'lifecycle.started') this.#detail.task = String(d.task ?? '');
        if (e.event.category === 'lifecycle' && ['completed', 'failed', 'cancelled'].includes(e.event.action)) {
          Object.assign(this.#detail, { result: d.result ?? null, error: d.error ?? null });
        }
      } else if (span.kind === 'agent_task') {
        const delegation = e.source?.agent_id === a.delegated_by && d.tool_call_id === a.tool_call_id;
        if (delegation && (kind === 'dispatch.team' || kind === 'dispatch.worker')) this.#detail.task = String(d.task ?? '');
        if (delegation && kind.startsWith('dispatch.') && kind.endsWith('_completed')) this.#detail.outcome = d.outcome ?? { status: d.status, ok: d.ok };
      } else if (span.kind === 'tool_call') {
        if (own && d.tool_call_id === a.tool_call_id && kind === 'llm.tool_call') Object.assign(this.#detail, { input: d.input, tool_source: d.tool_source ?? null });
        if (own && d.tool_call_id === a.tool_call_id && kind === 'llm.tool_result') Object.assign(this.#detail, { result: d.result, is_error: d.is_error === true });
      } else if (span.kind === 'human_wait' && d.request_id === a.request_id) {
        if (kind === 'human.requested') this.#detail.request = d;
        else if (kind === 'human.responded' || kind === 'human.withdrawn') this.#detail.response = { ...d, withdrawn: kind === 'human.withdrawn' };
      }
    }
  }

  result(): SpanDetail {
    if (this.#span.kind === 'human_wait') this.#detail.response ??= null;
    return this.#detail;
  }
}
