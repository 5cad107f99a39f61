/** The spans of a run's trace (runs/trace), as the trace builder makes them from the run's events. */

export type SpanKind = 'run' | 'agent_task' | 'model_call' | 'tool_call' | 'human_wait';
export type SpanStatus = 'ok' | 'error' | 'cancelled' | 'running';

export interface SpanUsage {
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cached_input_tokens: number;
}

export interface TraceSpan {
  /** Stable for the run: `run`, `task:<agent_id>#<n>`, `call:<call_id>`, `tool:<agent_id>#<tool_count>`, `human:<request_id>`, `delegation:<agent_id>#<tool_count>`. */
  span_id: string;
  parent_id: string | null;
  kind: SpanKind;
  agent_id: string | null;
  agent_name: string | null;
  team_name: string | null;
  name: string;
  start: string;
  /** Milliseconds from the run's start. */
  start_ms: number;
  /** Null while the span is open (a live run). */
  end: string | null;
  end_ms: number | null;
  duration_ms: number | null;
  status: SpanStatus;
  /** A model call's own; an agent task's and the run's: the sum over their model calls. Null: no model call in it. */
  usage: SpanUsage | null;
  cost_usd: number | null;
  error: string | null;
  /** Per kind: the model and call id, the tool's input and result, the delegated task… (long values cut, see runs/trace/span). */
  attributes: Record<string, unknown>;
  first_sequence: number;
  last_sequence: number;
}

export interface TraceTotals {
  /** The run's wall time (to now while it runs). */
  wall_ms: number;
  /** Agent tasks' durations summed: above wall_ms when agents work at once. */
  agent_task_ms: number;
  model_ms: number;
  tool_ms: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cached_input_tokens: number;
  cost_usd: number;
  model_calls: number;
  tool_calls: number;
  /** Spans that ended in error. */
  errors: number;
  spans: number;
}

export interface RunTrace {
  started_at: string | null;
  ended_at: string | null;
  /** Milliseconds from the run's start to when the trace was made (where open spans' bars end). */
  now_ms: number;
  spans: TraceSpan[];
  totals: TraceTotals;
  /** More spans than the bound: those past it are left out. */
  truncated: boolean;
  last_sequence: number;
}

/** Span attributes past this many characters are cut (runs/trace/span has them whole). */
export const ATTRIBUTE_CHARS = 2000;

/** A value as a span attribute: text and JSON past `max` characters cut, saying how much was left out. */
export function bounded(value: unknown, max = ATTRIBUTE_CHARS): unknown {
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}… [${value.length - max} more characters]` : value;
  if (value === null || typeof value !== 'object') return value;
  const json = JSON.stringify(value);
  return json.length > max ? bounded(json, max) : value;
}

export const boundedText = (value: unknown, max = ATTRIBUTE_CHARS): string | null =>
  (value === undefined || value === null ? null : String(bounded(typeof value === 'string' ? value : JSON.stringify(value), max)));
