import type { JSONObject } from '@ai-sdk/provider';

/**
 * How an agent's task ended, as its parent (and the API) sees it: every delegation is answered
 * with one of these, never an empty success. A supervisor's model gets it as the structured
 * tool result, so it can decide to go on without a worker that was cancelled or ran out of budget.
 */
export type OutcomeStatus = 'completed' | 'failed' | 'cancelled' | 'budget_exhausted' | 'timed_out';

/** What a task cost: the agent's own model and tool calls plus those of the subtree it delegated to. */
export interface OutcomeUsage {
  input_tokens: number;
  output_tokens: number;
  model_calls: number;
  tool_calls: number;
  cost_usd: number;
}

export interface DelegationOutcome {
  status: OutcomeStatus;
  /** The answer (completed only). */
  output: string | null;
  /** What was produced before the task stopped (text streamed before a cancel, finished delegations' results): kept, never dropped. */
  partial_output: string | null;
  usage: OutcomeUsage;
  /** Why it did not complete (null when completed). */
  error: string | null;
}

export function emptyUsage(): OutcomeUsage {
  return { input_tokens: 0, output_tokens: 0, model_calls: 0, tool_calls: 0, cost_usd: 0 };
}

export function addUsage(a: OutcomeUsage, b: OutcomeUsage): OutcomeUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    model_calls: a.model_calls + b.model_calls,
    tool_calls: a.tool_calls + b.tool_calls,
    // Summed in micro-dollars so a long run does not drift by float error.
    cost_usd: Math.round((a.cost_usd + b.cost_usd) * 1e6) / 1e6,
  };
}

export const completedOutcome = (output: string, usage: OutcomeUsage): DelegationOutcome =>
  ({ status: 'completed', output, partial_output: null, usage, error: null });

export const stoppedOutcome = (status: Exclude<OutcomeStatus, 'completed'>, error: string, partial: string | null, usage: OutcomeUsage): DelegationOutcome =>
  ({ status, output: null, partial_output: partial && partial.length > 0 ? partial : null, usage, error });

/** The outcome as the JSON tool result a supervisor's model reads. */
export function outcomeJson(outcome: DelegationOutcome): JSONObject {
  return {
    status: outcome.status, output: outcome.output, partial_output: outcome.partial_output, error: outcome.error, usage: { ...outcome.usage },
  };
}

/** The text a parent reads as the answer of a delegation, whatever its status. */
export function outcomeText(outcome: DelegationOutcome): string {
  return outcome.status === 'completed' ? outcome.output ?? '' : outcome.error ?? outcome.status;
}

/**
 * Thrown by a model or tool call that may not be made because a budget on the agent's way up
 * (its own, its team's or the run's) is spent: the agent ends its task `budget_exhausted`.
 */
export class BudgetExhaustedError extends Error {
  /** Which budget: `run`, `team:<name>` or `agent:<agent id>`. */
  readonly scope: string;
  readonly limit: string;

  constructor(scope: string, limit: string) {
    super(`budget exhausted: ${limit} of ${scope}`);
    this.name = 'BudgetExhaustedError';
    this.scope = scope;
    this.limit = limit;
  }
}

/** The outcome status a failed model or tool call stands for: budget_exhausted, timed_out (the model stopped answering), or failed. */
export function failureStatusOf(error: unknown): 'budget_exhausted' | 'timed_out' | 'failed' {
  if (error instanceof BudgetExhaustedError || (error as { name?: unknown } | null)?.name === 'BudgetExhaustedError') return 'budget_exhausted';
  if ((error as { errorCode?: unknown } | null)?.errorCode === 'MODEL_TIMEOUT') return 'timed_out';
  return 'failed';
}
