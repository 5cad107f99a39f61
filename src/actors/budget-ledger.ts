import { budgetLimits, type Budget, type BudgetLimit, type ModelPrices } from '../domain/budget-schemas.ts';
import type { RunPlan } from './run-plan.ts';

/**
 * A run's budget ledger as plain data (it is part of the run's checkpoint): each scope's limits
 * and spend, and the reservations of model calls in flight. Scopes are `run`, `team:<name>` and
 * `agent:<agent id>`; a call is charged to its agent's own scope, its team's and the run's.
 * Every function here is pure: the ledger actor (budget-ledger-actor.ts) applies them one event
 * at a time, so parallel siblings reserve one after the other and can never overshoot together.
 */
export interface ScopeSpend {
  tokens: number;
  cost_usd: number;
  model_calls: number;
  tool_calls: number;
  /** When the scope's first call began (the run's: when the run began); its duration counts from here. */
  started_at_ms: number | null;
}

export interface Reservation {
  scopes: string[];
  tokens: number;
  cost_usd: number;
}

export interface LedgerState {
  runId: number;
  limits: Record<string, Budget>;
  /** Each agent's scopes: its own, its team's (if any), the run's. */
  scopesOf: Record<string, string[]>;
  spent: Record<string, ScopeSpend>;
  reservations: Record<string, Reservation>;
  nextReservation: number;
  /** `<scope> <limit> <warning|exhausted>` already announced: each once. */
  notified: string[];
  defaultOutputTokens: number;
}

/** A budget.warning (80 %) or budget.exhausted (100 %, or a call refused) to announce. */
export interface BudgetNotice {
  kind: 'warning' | 'exhausted';
  scope: string;
  limit: BudgetLimit;
  spent: number;
  max: number;
}

export interface ModelRequest {
  agentId: string;
  /** Estimated input tokens of the call (see estimateInputTokens). */
  inputEstimate: number;
  /** The call's own max output tokens (absent: the model's default). */
  maxOutputTokens?: number;
  prices?: ModelPrices;
}

/** `spent` of `max` of the refusing limit; `endsRun`: the run's own budget refused it. */
export type Refusal = { ok: false; scope: string; limit: BudgetLimit; spent: number; max: number; notices: BudgetNotice[]; endsRun: boolean };
/** `maxOutputTokens`: the cap for the call (absent: no token or cost budget applies, the call keeps its own). */
export type ModelGrant = { ok: true; reservationId: string; maxOutputTokens?: number; notices: BudgetNotice[] };
export type ToolGrant = { ok: true; notices: BudgetNotice[] };

export interface SettleRequest {
  reservationId: string;
  /** The call's real usage; null: it failed or was stopped before reporting any (its reservation is released, the call counted). */
  usage: { inputTokens: number; outputTokens: number } | null;
  costUsd: number;
}

export interface SettleAnswer {
  notices: BudgetNotice[];
  /** The run's own budget of tokens or cost went over its limit: the run ends now. */
  runOver: { limit: BudgetLimit; spent: number; max: number } | null;
}

export const RUN_SCOPE = 'run';
export const teamScope = (name: string): string => `team:${name}`;
export const agentScope = (agentId: string): string => `agent:${agentId}`;

const WARNING_AT = 0.8;
const usd = (n: number): number => Math.round(n * 1e9) / 1e9;
const emptySpend = (startedAtMs: number | null = null): ScopeSpend => ({ tokens: 0, cost_usd: 0, model_calls: 0, tool_calls: 0, started_at_ms: startedAtMs });

/** The ledger a run starts with (`nowMs`: when the run began). */
export function newLedger(plan: RunPlan, nowMs: number): LedgerState {
  const budgets = plan.budgets;
  const limits: Record<string, Budget> = {};
  const scopesOf: Record<string, string[]> = {};
  if (budgets?.run) limits[RUN_SCOPE] = budgets.run;
  scopesOf[plan.globalSupervisor.agentId] = [agentScope(plan.globalSupervisor.agentId), RUN_SCOPE];
  for (const team of plan.teams) {
    const budget = budgets?.teams[team.name];
    if (budget) limits[teamScope(team.name)] = budget;
    for (const agent of [team.supervisor, ...team.workers]) {
      scopesOf[agent.agentId] = [agentScope(agent.agentId), teamScope(team.name), RUN_SCOPE];
      const own = budgets?.agents[agent.agentId];
      if (own) limits[agentScope(agent.agentId)] = own;
    }
  }
  const spent: Record<string, ScopeSpend> = { [RUN_SCOPE]: emptySpend(nowMs) };
  for (const scopes of Object.values(scopesOf)) for (const scope of scopes) spent[scope] ??= emptySpend();
  return {
    runId: plan.runId, limits, scopesOf, spent, reservations: {}, nextReservation: 1, notified: [],
    defaultOutputTokens: budgets?.defaultOutputTokens ?? 4096,
  };
}

/** A ledger restored from a checkpoint: calls in flight then are issued again (and reserve again), so their reservations go. */
export function restoredLedger(state: LedgerState): LedgerState {
  return { ...state, reservations: {} };
}

/** Tokens of a call's input, estimated from its text (≈4 characters a token); the real count replaces it after the call. */
export function estimateInputTokens(texts: string[]): number {
  return Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 4);
}

function openOf(state: LedgerState, scope: string): { tokens: number; cost: number; calls: number } {
  let tokens = 0;
  let cost = 0;
  let calls = 0;
  for (const r of Object.values(state.reservations)) {
    if (!r.scopes.includes(scope)) continue;
    tokens += r.tokens;
    cost += r.cost_usd;
    calls++;
  }
  return { tokens, cost, calls };
}

function valueOf(spend: ScopeSpend, limit: BudgetLimit, nowMs: number): number {
  switch (limit) {
    case 'max_tokens': return spend.tokens;
    case 'max_cost_usd': return spend.cost_usd;
    case 'max_model_calls': return spend.model_calls;
    case 'max_tool_calls': return spend.tool_calls;
    case 'max_duration_ms': return spend.started_at_ms === null ? 0 : nowMs - spend.started_at_ms;
  }
}

/**
 * The first limit of a scope that is reached: nothing more is charged to it. A model call may
 * still read the results of the tool calls it asked for once max_tool_calls is reached (`except`).
 */
function reachedLimit(state: LedgerState, scope: string, nowMs: number, except?: BudgetLimit): BudgetLimit | null {
  const limits = state.limits[scope];
  if (!limits) return null;
  const spend = state.spent[scope] ?? emptySpend();
  return budgetLimits.find((l) => l !== except && limits[l] !== undefined && valueOf(spend, l, nowMs) >= limits[l]!) ?? null;
}

/** The notices due for `scopes` now, each (scope, limit, kind) once; marks them announced. */
function noticesFor(state: LedgerState, scopes: string[], nowMs: number, refused?: { scope: string; limit: BudgetLimit }): { notified: string[]; notices: BudgetNotice[] } {
  const notified = [...state.notified];
  const notices: BudgetNotice[] = [];
  for (const scope of scopes) {
    const limits = state.limits[scope];
    if (!limits) continue;
    const spend = state.spent[scope] ?? emptySpend();
    for (const limit of budgetLimits) {
      const max = limits[limit];
      if (max === undefined) continue;
      const spent = valueOf(spend, limit, nowMs);
      const isRefused = refused?.scope === scope && refused.limit === limit;
      const kind = spent >= max || isRefused ? 'exhausted' : spent >= WARNING_AT * max ? 'warning' : null;
      if (!kind || notified.includes(`${scope} ${limit} ${kind}`)) continue;
      notified.push(`${scope} ${limit} ${kind}`);
      // Exhausted without a warning first (one call jumped past 80 %): the warning is not sent afterwards.
      if (kind === 'exhausted') notified.push(`${scope} ${limit} warning`);
      notices.push({ kind, scope, limit, spent: limit === 'max_cost_usd' ? usd(spent) : spent, max });
    }
  }
  return { notified, notices };
}

function refuse(state: LedgerState, scopes: string[], scope: string, limit: BudgetLimit, nowMs: number): { state: LedgerState; answer: Refusal } {
  const { notified, notices } = noticesFor(state, scopes, nowMs, { scope, limit });
  const spent = valueOf(state.spent[scope] ?? emptySpend(), limit, nowMs);
  return {
    state: { ...state, notified },
    answer: { ok: false, scope, limit, spent: limit === 'max_cost_usd' ? usd(spent) : spent, max: state.limits[scope]?.[limit] ?? 0, notices, endsRun: scope === RUN_SCOPE },
  };
}

const scopesFor = (state: LedgerState, agentId: string): string[] => state.scopesOf[agentId] ?? [RUN_SCOPE];

/** Starts the clock of each scope a first call is charged to. */
function started(state: LedgerState, scopes: string[], nowMs: number): Record<string, ScopeSpend> {
  const spent = { ...state.spent };
  for (const s of scopes) {
    const current = spent[s] ?? emptySpend();
    if (current.started_at_ms === null) spent[s] = { ...current, started_at_ms: nowMs };
  }
  return spent;
}

/**
 * Reserves a model call before it is made: refused if any of its scopes is exhausted, has no
 * call left, or has too little left for the estimated input plus one output token. Under a token
 * or cost budget the call's output is capped at what every scope has left after the others' open
 * reservations, and that much is reserved, so siblings in flight together stay within the limit.
 */
export function reserveModel(state: LedgerState, request: ModelRequest, nowMs: number): { state: LedgerState; answer: ModelGrant | Refusal } {
  const scopes = scopesFor(state, request.agentId);
  const inPrice = request.prices?.inputPerMtok ?? 0;
  const outPrice = request.prices?.outputPerMtok ?? 0;
  const estimateCost = (request.inputEstimate * inPrice) / 1e6;
  let outCap = Infinity;
  let binding: { scope: string; limit: BudgetLimit } | null = null;
  for (const scope of scopes) {
    const limits = state.limits[scope];
    if (!limits) continue;
    const reached = reachedLimit(state, scope, nowMs, 'max_tool_calls');
    if (reached) return refuse(state, scopes, scope, reached, nowMs);
    const spend = state.spent[scope] ?? emptySpend();
    const open = openOf(state, scope);
    if (limits.max_model_calls !== undefined && spend.model_calls + open.calls >= limits.max_model_calls) {
      return refuse(state, scopes, scope, 'max_model_calls', nowMs);
    }
    if (limits.max_tokens !== undefined) {
      const left = limits.max_tokens - spend.tokens - open.tokens - request.inputEstimate;
      if (left < outCap) [outCap, binding] = [left, { scope, limit: 'max_tokens' }];
    }
    if (limits.max_cost_usd !== undefined) {
      const leftUsd = limits.max_cost_usd - spend.cost_usd - open.cost - estimateCost;
      const left = outPrice > 0 ? Math.floor((leftUsd * 1e6) / outPrice) : leftUsd > 0 ? Infinity : 0;
      if (left < outCap) [outCap, binding] = [left, { scope, limit: 'max_cost_usd' }];
    }
  }
  const budgeted = binding !== null;
  if (budgeted) {
    if (outCap < 1) return refuse(state, scopes, binding!.scope, binding!.limit, nowMs);
    outCap = Math.floor(Math.min(outCap, request.maxOutputTokens ?? state.defaultOutputTokens));
  }
  const id = String(state.nextReservation);
  const outTokens = budgeted ? outCap : (request.maxOutputTokens ?? 0);
  const reservation: Reservation = {
    scopes, tokens: request.inputEstimate + outTokens, cost_usd: estimateCost + (outTokens * outPrice) / 1e6,
  };
  return {
    state: { ...state, spent: started(state, scopes, nowMs), reservations: { ...state.reservations, [id]: reservation }, nextReservation: state.nextReservation + 1 },
    answer: { ok: true, reservationId: id, ...(budgeted && { maxOutputTokens: outCap }), notices: [] },
  };
}

/** A model call ended: its reservation is replaced by what it really used (a call without usage counts as a call). */
export function settleModel(state: LedgerState, request: SettleRequest, nowMs: number): { state: LedgerState; answer: SettleAnswer } {
  const reservation = state.reservations[request.reservationId];
  if (!reservation) return { state, answer: { notices: [], runOver: null } };
  const { [request.reservationId]: _settled, ...reservations } = state.reservations;
  const tokens = request.usage ? request.usage.inputTokens + request.usage.outputTokens : 0;
  const spent = { ...state.spent };
  for (const scope of reservation.scopes) {
    const s = spent[scope] ?? emptySpend(nowMs);
    spent[scope] = { ...s, tokens: s.tokens + tokens, cost_usd: usd(s.cost_usd + request.costUsd), model_calls: s.model_calls + 1 };
  }
  const next = { ...state, spent, reservations };
  const { notified, notices } = noticesFor(next, reservation.scopes, nowMs);
  return { state: { ...next, notified }, answer: { notices, runOver: reservation.scopes.includes(RUN_SCOPE) ? runOverOf(next) : null } };
}

/** The run's own token or cost limit when its spend is past it (only by the input-estimate slack: see reserveModel). */
function runOverOf(state: LedgerState): SettleAnswer['runOver'] {
  const run = state.limits[RUN_SCOPE];
  const spend = state.spent[RUN_SCOPE];
  if (!run || !spend) return null;
  if (run.max_tokens !== undefined && spend.tokens > run.max_tokens) return { limit: 'max_tokens', spent: spend.tokens, max: run.max_tokens };
  if (run.max_cost_usd !== undefined && spend.cost_usd > run.max_cost_usd) return { limit: 'max_cost_usd', spent: spend.cost_usd, max: run.max_cost_usd };
  return null;
}

/** A worker's tool call, charged as it starts; refused when one of its scopes is exhausted. */
export function chargeToolCall(state: LedgerState, agentId: string, nowMs: number): { state: LedgerState; answer: ToolGrant | Refusal } {
  const scopes = scopesFor(state, agentId);
  for (const scope of scopes) {
    const reached = reachedLimit(state, scope, nowMs);
    if (reached) return refuse(state, scopes, scope, reached, nowMs);
  }
  const spent = started(state, scopes, nowMs);
  for (const scope of scopes) spent[scope] = { ...spent[scope]!, tool_calls: spent[scope]!.tool_calls + 1 };
  const next = { ...state, spent };
  const { notified, notices } = noticesFor(next, scopes, nowMs);
  return { state: { ...next, notified }, answer: { ok: true, notices } };
}

/** A scope's spend and budget as runs/inspect and runs/get show them (null: the ledger has no such scope). */
export function scopeView(state: LedgerState, scope: string): { scope: string; spent: Omit<ScopeSpend, 'started_at_ms'>; budget: Budget | null } | null {
  const spend = state.spent[scope];
  if (!spend) return null;
  const { started_at_ms: _started, ...spent } = spend;
  return { scope, spent, budget: state.limits[scope] ?? null };
}
