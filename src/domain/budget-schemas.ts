import { z } from 'zod';

/**
 * A spending limit: on a hierarchy (its whole run), a team, a worker, or one run (runs/start).
 * Every field is optional; an absent one is no limit. Checked before each model and tool call.
 */
export const budgetSchema = z
  .object({
    max_tokens: z.number().int().positive().max(1e12).optional()
      .meta({ description: 'Input plus output tokens of every model call charged to this scope' }),
    max_cost_usd: z.number().positive().max(1e9).optional()
      .meta({ description: "USD, from the prices on each agent's model row (input_price_per_mtok, ...); a model without prices costs 0" }),
    max_duration_ms: z.number().int().positive().max(1e10).optional()
      .meta({ description: "Wall time since the scope's first model or tool call (the run's: since it started), checked before each call" }),
    max_model_calls: z.number().int().positive().max(1e9).optional(),
    max_tool_calls: z.number().int().positive().max(1e9).optional()
      .meta({ description: "Calls of workers' tools (built-in and MCP)" }),
  })
  .strict()
  .meta({ id: 'Budget' });

export type Budget = z.infer<typeof budgetSchema>;

/** BUDGET_DEFAULT_OUTPUT_TOKENS' default: output tokens a budgeted call of a model without max_tokens reserves. */
export const DEFAULT_BUDGET_OUTPUT_TOKENS = 4096;

/** The limits of a Budget by their field names, in one order (ledger, events, views). */
export const budgetLimits = ['max_tokens', 'max_cost_usd', 'max_duration_ms', 'max_model_calls', 'max_tool_calls'] as const;
export type BudgetLimit = (typeof budgetLimits)[number];

/** A budget without its absent fields, or undefined when it sets none (so plans and records carry no empty budgets). */
export function budgetOrNone(budget: Budget | null | undefined): Budget | undefined {
  if (!budget) return undefined;
  const set = Object.fromEntries(budgetLimits.filter((k) => budget[k] !== undefined).map((k) => [k, budget[k]]));
  return Object.keys(set).length > 0 ? (set as Budget) : undefined;
}

/** Model prices, USD per million tokens (null: unpriced, costs 0). */
export const priceFields = {
  input_price_per_mtok: z.number().min(0).max(1e6).nullable().optional().meta({ description: 'USD per million input tokens' }),
  output_price_per_mtok: z.number().min(0).max(1e6).nullable().optional().meta({ description: 'USD per million output tokens' }),
  cached_input_price_per_mtok: z.number().min(0).max(1e6).nullable().optional()
    .meta({ description: 'USD per million input tokens read from the prompt cache (default: the input price)' }),
};

/** A model's prices as a plan carries them (USD per million tokens). */
export interface ModelPrices {
  inputPerMtok: number;
  outputPerMtok: number;
  cachedInputPerMtok: number;
}

/** The prices of a model row, or undefined when it sets none (its calls cost 0). */
export function pricesOf(row: { inputPricePerMtok: number | null; outputPricePerMtok: number | null; cachedInputPricePerMtok: number | null }): ModelPrices | undefined {
  if (row.inputPricePerMtok === null && row.outputPricePerMtok === null && row.cachedInputPricePerMtok === null) return undefined;
  const input = row.inputPricePerMtok ?? 0;
  return { inputPerMtok: input, outputPerMtok: row.outputPricePerMtok ?? 0, cachedInputPerMtok: row.cachedInputPricePerMtok ?? input };
}

/** What one model call cost: cached input tokens at the cached price, the rest of the input at the input price. */
export function callCostUsd(prices: ModelPrices | undefined, usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number }): number {
  if (!prices) return 0;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  return ((usage.inputTokens - cached) * prices.inputPerMtok + cached * prices.cachedInputPerMtok + usage.outputTokens * prices.outputPerMtok) / 1e6;
}
