import test from 'ava';

/** What an agent card shows of its spend: against its budget when the server reports one, else from its statistics. */
const { spendRows } = await import(new URL('../src/http/viewer/static/spend-rows.js', import.meta.url).href);

test('without budgets: tokens, model and tool calls from the statistics; no cost row at 0, no duration row', (t) => {
  const rows = spendRows({ input_tokens: 100, output_tokens: 20, model_calls: 2, tool_calls: 1, duration_ms: 900 }, null);
  t.deepEqual(rows, [
    { key: 'tokens', label: 'tokens', spent: 120, max: undefined },
    { key: 'model_calls', label: 'model calls', spent: 2, max: undefined },
    { key: 'tool_calls', label: 'tool calls', spent: 1, max: undefined },
  ]);
});

test('with neither statistics nor budget: from the outcome usage, and nothing at all without it', (t) => {
  const usage = { input_tokens: 5, output_tokens: 3, model_calls: 1, tool_calls: 0, cost_usd: 0.002 };
  t.deepEqual(spendRows(undefined, { status: 'cancelled', usage }).map((r: any) => [r.key, r.spent]),
    [['tokens', 8], ['cost_usd', 0.002], ['model_calls', 1], ['tool_calls', 0]]);
  t.deepEqual(spendRows(undefined, null), []);
});

test('a spend object and a budget of max_* limits: each spent figure against its ceiling, the ceiling alone when nothing is spent yet', (t) => {
  const rows = spendRows({
    input_tokens: 1, output_tokens: 1,
    spend: { tokens: 800, cost_usd: 0.5, model_calls: 2 },
    budget: { max_tokens: 1000, max_cost_usd: 1, max_model_calls: 2, max_duration_ms: 60_000 },
  }, null);
  t.deepEqual(rows.map((r: any) => [r.key, r.spent, r.max]), [
    ['tokens', 800, 1000], ['cost_usd', 0.5, 1], ['model_calls', 2, 2], ['duration_ms', 0, 60_000],
  ]);
});

test('a budget of {key: {max}} or {spent, max} objects is read too', (t) => {
  t.deepEqual(spendRows({ budget: { tokens: { max: 50 }, spent: { tokens: 10 } } }, null).map((r: any) => [r.key, r.spent, r.max]), [['tokens', 10, 50]]);
  t.deepEqual(spendRows({ budget: { max: { model_calls: 3 }, spent: { model_calls: 1 } } }, null).map((r: any) => [r.key, r.spent, r.max]), [['model_calls', 1, 3]]);
});
