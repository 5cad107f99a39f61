import type { SpanUsage, TraceSpan, TraceTotals } from './trace-span.ts';

const emptyUsage = (): SpanUsage => ({ input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cached_input_tokens: 0 });

function addInto(into: SpanUsage, usage: SpanUsage): void {
  into.input_tokens += usage.input_tokens;
  into.output_tokens += usage.output_tokens;
  into.reasoning_tokens += usage.reasoning_tokens;
  into.cached_input_tokens += usage.cached_input_tokens;
}

/**
 * Each model call's usage and cost added to every agent task above it and to the run: a task's
 * figures are its whole subtree's (what its delegation spent), so they are current while it runs.
 */
export function withRolledUpUsage(spans: TraceSpan[]): TraceSpan[] {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  for (const span of spans) {
    if (span.kind !== 'agent_task' && span.kind !== 'run') continue;
    span.usage = null;
    span.cost_usd = null;
  }
  for (const call of spans) {
    if (call.kind !== 'model_call' || !call.usage) continue;
    for (let up = call.parent_id ? byId.get(call.parent_id) : undefined; up; up = up.parent_id ? byId.get(up.parent_id) : undefined) {
      if (up.kind !== 'agent_task' && up.kind !== 'run') continue;
      up.usage ??= emptyUsage();
      addInto(up.usage, call.usage);
      up.cost_usd = (up.cost_usd ?? 0) + (call.cost_usd ?? 0);
    }
  }
  return spans;
}

/** The run's figures: wall time apart from the agents' summed time, tokens, cost and errors. `nowMs`: where open spans end. */
export function traceTotals(spans: readonly TraceSpan[], nowMs: number): TraceTotals {
  const totals: TraceTotals = {
    wall_ms: 0, agent_task_ms: 0, model_ms: 0, tool_ms: 0, ...emptyUsage(), cost_usd: 0, model_calls: 0, tool_calls: 0, errors: 0, spans: spans.length,
  };
  for (const span of spans) {
    const ms = span.duration_ms ?? Math.max(0, nowMs - span.start_ms);
    if (span.status === 'error') totals.errors += 1;
    if (span.kind === 'run') totals.wall_ms = ms;
    else if (span.kind === 'agent_task') totals.agent_task_ms += ms;
    else if (span.kind === 'tool_call') {
      totals.tool_ms += ms;
      totals.tool_calls += 1;
    } else if (span.kind === 'model_call') {
      totals.model_ms += ms;
      totals.model_calls += 1;
      if (span.usage) addInto(totals, span.usage);
      totals.cost_usd += span.cost_usd ?? 0;
    }
  }
  return totals;
}
