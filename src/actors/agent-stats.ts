/** What each agent actor counts about its own work; the run sums them into `statistics`. */
export interface AgentStats {
  tasks: number;
  model_calls: number;
  input_tokens: number;
  output_tokens: number;
  duration_ms: number;
  errors: number;
  /** Tool calls the agent's model made: a worker's own tools, a supervisor's delegations. */
  tool_calls: number;
  /** Those of its tool calls that answered the model with an error. */
  tool_errors: number;
}

export function emptyStats(): AgentStats {
  return { tasks: 0, model_calls: 0, input_tokens: 0, output_tokens: 0, duration_ms: 0, errors: 0, tool_calls: 0, tool_errors: 0 };
}

export function addTurn(stats: AgentStats, turn: { inputTokens: number; outputTokens: number; durationMs: number }): AgentStats {
  return {
    ...stats,
    model_calls: stats.model_calls + 1,
    input_tokens: stats.input_tokens + turn.inputTokens,
    output_tokens: stats.output_tokens + turn.outputTokens,
    duration_ms: stats.duration_ms + turn.durationMs,
  };
}
