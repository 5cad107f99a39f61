// An agent's spend against its budget, as rows for its card (no DOM: unit-tested in Node).
// Spend and budget fields are read as they come (see agent-spend.js).
const SPEND_KEYS = [['tokens', 'tokens'], ['cost_usd', 'cost'], ['model_calls', 'model calls'], ['tool_calls', 'tool calls'], ['duration_ms', 'ms']];

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

/** The budget ceiling for a spend key: `max_<key>` on the budget object, or {<key>: {max}}, or {max: {<key>}}. */
function ceiling(budget, key) {
  if (!budget || typeof budget !== 'object') return undefined;
  const candidates = [budget[`max_${key}`], budget[key]?.max, budget.max?.[key], budget.limits?.[`max_${key}`]];
  return candidates.find(isNumber);
}

/** [{key, label, spent, max}] from the agent's statistics (stats fields, `spend`, `budget`, its outcome's usage). */
export function spendRows(stats, outcome) {
  const spend = stats?.spend && typeof stats.spend === 'object' ? stats.spend : stats?.budget?.spent && typeof stats.budget.spent === 'object' ? stats.budget.spent : {};
  const budget = stats?.budget ?? null;
  const usage = outcome?.usage ?? {};
  const tokens = isNumber(stats?.input_tokens) || isNumber(stats?.output_tokens)
    ? (stats.input_tokens ?? 0) + (stats.output_tokens ?? 0)
    : isNumber(usage.input_tokens) ? usage.input_tokens + (usage.output_tokens ?? 0) : undefined;
  const fallback = { tokens, cost_usd: stats?.cost_usd ?? usage.cost_usd, model_calls: stats?.model_calls ?? usage.model_calls, tool_calls: stats?.tool_calls ?? usage.tool_calls };
  const rows = [];
  for (const [key, label] of SPEND_KEYS) {
    const spent = [spend[key], key === 'tokens' ? spend.total_tokens : undefined, fallback[key]].find(isNumber);
    const max = ceiling(budget, key);
    if (spent === undefined && max === undefined) continue;
    if (max === undefined && (key === 'duration_ms' || (key === 'cost_usd' && !spent))) continue;
    rows.push({ key, label, spent: spent ?? 0, max });
  }
  return rows;
}
