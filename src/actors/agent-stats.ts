/** What each agent actor counts about its own work; the run sums them into `statistics`. */
export interface AgentStats {
  tasks: number;
  model_calls: number;
  input_tokens: number;
  output_tokens: number;
  /** Of output_tokens, spent on reasoning (where the provider reports it). */
  reasoning_tokens: number;
  /** Of input_tokens, read from the provider's prompt cache (where reported). */
  cached_input_tokens: number;
  /** Model calls retried after a failure before any output (429, 5xx, connection reset). */
  model_retries: number;
  duration_ms: number;
  errors: number;
  /** Tool calls the agent's model made: a worker's own tools, a supervisor's delegations. */
  tool_calls: number;
  /** Those of its tool calls that answered the model with an error. */
  tool_errors: number;
}

export function emptyStats(): AgentStats {
  return {
    tasks: 0, model_calls: 0, input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cached_input_tokens: 0, model_retries: 0,
    duration_ms: 0, errors: 0, tool_calls: 0, tool_errors: 0,
  };
}

export interface TurnCounts {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
  retries?: number;
  durationMs: number;
}

export function addTurn(stats: AgentStats, turn: TurnCounts): AgentStats {
  return {
    ...stats,
    model_calls: stats.model_calls + 1,
    input_tokens: stats.input_tokens + turn.inputTokens,
    output_tokens: stats.output_tokens + turn.outputTokens,
    // Stats of an older version lack the newer counters.
    reasoning_tokens: (stats.reasoning_tokens ?? 0) + (turn.reasoningTokens ?? 0),
    cached_input_tokens: (stats.cached_input_tokens ?? 0) + (turn.cachedInputTokens ?? 0),
    model_retries: (stats.model_retries ?? 0) + (turn.retries ?? 0),
    duration_ms: stats.duration_ms + turn.durationMs,
  };
}

/** A failed model call: one more error, and the retries it made before giving up. */
export function addFailedTurn(stats: AgentStats, error: unknown): AgentStats {
  const retries = (error as { retries?: unknown } | null)?.retries;
  return {
    ...stats,
    errors: stats.errors + 1,
    model_retries: (stats.model_retries ?? 0) + (typeof retries === 'number' ? retries : 0),
  };
}
