import test from 'ava';
import {
  chargeToolCall, estimateInputTokens, newLedger, reserveModel, restoredLedger, settleModel,
  type LedgerState, type ModelGrant, type Refusal,
} from '../src/actors/budget-ledger.ts';
import type { PlanBudgets, RunPlan } from '../src/actors/run-plan.ts';
import { callCostUsd, type ModelPrices } from '../src/domain/budget-schemas.ts';

// The budget ledger's rules as pure functions: reservations, caps, refusals, notices, restore.

const agent = (agentId: string, agentType: 'global_supervisor' | 'team_supervisor' | 'worker', teamName: string | null) => ({
  agentId, agentType, name: agentId, teamName, role: null, systemPrompt: 'p', model: { name: 'm', provider: 'simulated', modelId: 'm' },
});

function plan(budgets: Partial<PlanBudgets>): RunPlan {
  return {
    runId: 7, tenantId: 't', hierarchyId: 'h', task: 'x', executionMode: 'parallel', enableContextSharing: false,
    globalSupervisor: agent('g', 'global_supervisor', null),
    teams: [
      { name: 'T', preventDuplicate: false, shareContext: false, supervisor: agent('s', 'team_supervisor', 'T'), workers: ['a', 'b', 'c', 'd'].map((w) => agent(w, 'worker', 'T')) },
      { name: 'U', preventDuplicate: false, shareContext: false, supervisor: agent('su', 'team_supervisor', 'U'), workers: [agent('u1', 'worker', 'U')] },
    ],
    timeoutMs: 60_000, maxSupervisorTurns: 10, workerTools: { settings: { http: { timeoutMs: 1, maxBytes: 1 } }, maxSteps: 1 } as RunPlan['workerTools'],
    onOwnerLost: 'resume', maxResumes: 1,
    budgets: { teams: {}, agents: {}, defaultOutputTokens: 100, ...budgets },
  } as RunPlan;
}

const NOW = 1_000_000;

function grant(state: LedgerState, agentId: string, inputEstimate: number, maxOutputTokens?: number, prices?: ModelPrices): { state: LedgerState; answer: ModelGrant } {
  const r = reserveModel(state, { agentId, inputEstimate, ...(maxOutputTokens !== undefined && { maxOutputTokens }), ...(prices && { prices }) }, NOW);
  if (!r.answer.ok) throw new Error(`refused: ${r.answer.scope} ${r.answer.limit}`);
  return { state: r.state, answer: r.answer };
}

function refusal(state: LedgerState, agentId: string, inputEstimate: number): Refusal {
  const r = reserveModel(state, { agentId, inputEstimate }, NOW);
  if (r.answer.ok) throw new Error('granted');
  return r.answer;
}

test('siblings reserving together never exceed the team limit: each output is capped at what the others left', (t) => {
  const workers = ['a', 'b', 'c', 'd'];
  const fresh = newLedger(plan({ teams: { T: { max_tokens: 290 } } }), NOW);
  let s2 = fresh;
  const caps: number[] = [];
  for (const w of workers) {
    const r = reserveModel(s2, { agentId: w, inputEstimate: 50 }, NOW);
    if (r.answer.ok) caps.push(r.answer.maxOutputTokens!);
    s2 = r.state;
  }
  // 290: 150 + 140 → a third cannot fit its input, a fourth neither.
  t.deepEqual(caps, [100, 90]);
  const reserved = Object.values(s2.reservations).reduce((n, r) => n + r.tokens, 0);
  t.true(reserved <= 290);
  // Each settles at what it really used (input as estimated, output at its cap): the sum is within the limit.
  for (const [id, cap] of Object.keys(s2.reservations).map((id, i) => [id, caps[i]!] as const)) {
    s2 = settleModel(s2, { reservationId: id, usage: { inputTokens: 50, outputTokens: cap }, costUsd: 0 }, NOW).state;
  }
  t.is(s2.spent['team:T']!.tokens, 290);
  t.is(s2.spent.run!.tokens, 290);
  t.deepEqual(s2.reservations, {});
  t.is(refusal(s2, 'a', 1).limit, 'max_tokens');
  // Another team is not touched by T's budget.
  t.true(reserveModel(s2, { agentId: 'u1', inputEstimate: 50 }, NOW).answer.ok);
});

test('a call of a model with max_tokens reserves that many; a call without a token or cost budget is not capped', (t) => {
  const state = newLedger(plan({ run: { max_tokens: 10_000 } }), NOW);
  t.is(grant(state, 'a', 10, 30).answer.maxOutputTokens, 30);
  t.is(grant(state, 'a', 10).answer.maxOutputTokens, 100, 'BUDGET_DEFAULT_OUTPUT_TOKENS when the model sets none');
  const free = newLedger(plan({ run: { max_model_calls: 5 } }), NOW);
  t.is(grant(free, 'a', 0, 30).answer.maxOutputTokens, undefined);
});

test('max_model_calls counts open reservations: parallel calls cannot pass it together; refusal is announced once', (t) => {
  let state = newLedger(plan({ teams: { T: { max_model_calls: 2 } } }), NOW);
  state = grant(state, 's', 0).state;
  state = grant(state, 'a', 0).state;
  const refused = reserveModel(state, { agentId: 'b', inputEstimate: 0 }, NOW);
  t.false(refused.answer.ok);
  t.like(refused.answer, { scope: 'team:T', limit: 'max_model_calls', endsRun: false });
  t.deepEqual((refused.answer as Refusal).notices.map((n) => `${n.kind} ${n.scope} ${n.limit}`), ['exhausted team:T max_model_calls']);
  const again = reserveModel(refused.state, { agentId: 'c', inputEstimate: 0 }, NOW);
  t.deepEqual((again.answer as Refusal).notices, [], 'once per scope and limit');
  t.true(reserveModel(again.state, { agentId: 'g', inputEstimate: 0 }, NOW).answer.ok, 'the global supervisor is outside team T');
});

test('warning at 80 % and exhausted at 100 %, each once; a failed call counts as a call, releasing its tokens', (t) => {
  let state = newLedger(plan({ agents: { a: { max_tokens: 1000, max_model_calls: 10 } } }), NOW);
  let g = grant(state, 'a', 100, 50);
  let settled = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 700, outputTokens: 110 }, costUsd: 0 }, NOW);
  t.deepEqual(settled.answer.notices, [{ kind: 'warning', scope: 'agent:a', limit: 'max_tokens', spent: 810, max: 1000 }]);
  g = grant(settled.state, 'a', 10, 50);
  settled = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0 }, NOW);
  t.deepEqual(settled.answer.notices, [], 'no second warning');
  g = grant(settled.state, 'a', 10, 50);
  state = settleModel(g.state, { reservationId: g.answer.reservationId, usage: null, costUsd: 0 }, NOW).state;
  t.is(state.spent['agent:a']!.tokens, 825);
  t.is(state.spent['agent:a']!.model_calls, 3);
  g = grant(state, 'a', 100, 500);
  t.is(g.answer.maxOutputTokens, 75, 'capped at what is left: 1000 - 825 - 100');
  settled = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 100, outputTokens: 75 }, costUsd: 0 }, NOW);
  t.deepEqual(settled.answer.notices, [{ kind: 'exhausted', scope: 'agent:a', limit: 'max_tokens', spent: 1000, max: 1000 }]);
  t.is(settled.answer.runOver, null, 'an agent budget does not end the run');
  t.like(refusal(settled.state, 'a', 0), { scope: 'agent:a', limit: 'max_tokens', spent: 1000, max: 1000, notices: [] });
});

test('the run budget: a call it refuses ends the run; spend past max_tokens (estimate slack) ends it at settle', (t) => {
  let state = newLedger(plan({ run: { max_tokens: 100 } }), NOW);
  const g = grant(state, 'a', 10, 500);
  t.is(g.answer.maxOutputTokens, 90);
  // The provider counted more input than estimated: 20 over.
  const settled = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 30, outputTokens: 90 }, costUsd: 0 }, NOW);
  t.deepEqual(settled.answer.runOver, { limit: 'max_tokens', spent: 120, max: 100 });
  state = settled.state;
  t.like(refusal(state, 'b', 0), { scope: 'run', limit: 'max_tokens', endsRun: true });
});

test('cost: cached input at its own price; max_cost_usd caps the output tokens it can pay for', (t) => {
  const prices: ModelPrices = { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.3 };
  t.is(callCostUsd(prices, { inputTokens: 1_000_000, outputTokens: 0 }), 3);
  t.is(callCostUsd(prices, { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 500_000 }), 1.5 + 0.15 + 15);
  t.is(callCostUsd(undefined, { inputTokens: 1_000_000, outputTokens: 1 }), 0, 'an unpriced model costs nothing');
  let state = newLedger(plan({ run: { max_cost_usd: 0.01 } }), NOW);
  // 1000 input tokens = $0.003; $0.007 left buys 466 output tokens at $15/M.
  const g = grant(state, 'a', 1000, 4000, prices);
  t.is(g.answer.maxOutputTokens, 466);
  state = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 1000, outputTokens: 466 }, costUsd: callCostUsd(prices, { inputTokens: 1000, outputTokens: 466 }) }, NOW).state;
  t.true(state.spent.run!.cost_usd <= 0.01);
  t.is(state.spent['agent:a']!.cost_usd, state.spent.run!.cost_usd);
  t.like(reserveModel(state, { agentId: 'b', inputEstimate: 1000, prices }, NOW).answer, { ok: false, scope: 'run', limit: 'max_cost_usd' });
});

test('max_tool_calls refuses the next tool call, yet the model may still read the results; an exhausted scope refuses tool calls', (t) => {
  let state = newLedger(plan({ agents: { a: { max_tool_calls: 2 }, b: { max_model_calls: 1 } } }), NOW);
  for (let i = 0; i < 2; i++) {
    const r = chargeToolCall(state, 'a', NOW);
    t.true(r.answer.ok);
    state = r.state;
  }
  const refused = chargeToolCall(state, 'a', NOW);
  t.like(refused.answer, { ok: false, scope: 'agent:a', limit: 'max_tool_calls' });
  t.true(reserveModel(refused.state, { agentId: 'a', inputEstimate: 10 }, NOW).answer.ok);
  const g = grant(state, 'b', 0);
  state = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0 }, NOW).state;
  t.like(chargeToolCall(state, 'b', NOW).answer, { ok: false, scope: 'agent:b', limit: 'max_model_calls' });
});

test('max_duration_ms counts from the scope\'s first call (the run: from its start)', (t) => {
  let state = newLedger(plan({ run: { max_duration_ms: 5000 }, teams: { U: { max_duration_ms: 1000 } } }), NOW);
  t.true(reserveModel(state, { agentId: 'su', inputEstimate: 0 }, NOW + 4000).answer.ok, 'U starts its clock at its first call');
  state = reserveModel(state, { agentId: 'su', inputEstimate: 0 }, NOW + 4000).state;
  t.like(reserveModel(state, { agentId: 'u1', inputEstimate: 0 }, NOW + 4500).answer, { ok: true });
  t.like(reserveModel(state, { agentId: 'a', inputEstimate: 0 }, NOW + 5100).answer, { ok: false, scope: 'run', limit: 'max_duration_ms', endsRun: true });
  const team = reserveModel(state, { agentId: 'u1', inputEstimate: 0 }, NOW + 4000 + 1000);
  t.like(team.answer, { ok: false, scope: 'team:U', limit: 'max_duration_ms' });
});

test('a ledger restored from a checkpoint keeps its spend and drops the reservations of calls in flight (they reserve again)', (t) => {
  let state = newLedger(plan({ teams: { T: { max_tokens: 300 } } }), NOW);
  const g = grant(state, 'a', 50);
  state = settleModel(g.state, { reservationId: g.answer.reservationId, usage: { inputTokens: 50, outputTokens: 10 }, costUsd: 0 }, NOW).state;
  state = grant(state, 'b', 50).state;
  t.is(Object.keys(state.reservations).length, 1);
  const restored = restoredLedger(JSON.parse(JSON.stringify(state)) as LedgerState);
  t.deepEqual(restored.reservations, {});
  t.is(restored.spent['team:T']!.tokens, 60);
  t.is(grant(restored, 'b', 50).answer.maxOutputTokens, 100);
  t.is(estimateInputTokens(['abcd', 'abcdefgh', 'x']), 4);
});
