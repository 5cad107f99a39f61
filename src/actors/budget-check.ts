import type { ActorSystem } from 'xstate';
import { BudgetExhaustedError } from './agent-outcome.ts';
import { sendToSink } from './agent-messages.ts';
import { runSystemId, sourceOf, type AgentPlan, type AgentRef } from './run-plan.ts';
import { resourcesOf } from './run-resources.ts';
import { BUDGET_LEDGER_SYSTEM_ID, type LedgerEvent, type LedgerSnapshot } from './budget-ledger-actor.ts';
import { estimateInputTokens, RUN_SCOPE, type BudgetNotice, type Refusal } from './budget-ledger.ts';
import { callCostUsd } from '../domain/budget-schemas.ts';
import type { BudgetScopeKind } from '../telemetry/run-telemetry.ts';

/**
 * How model and tool calls consult their run's budget ledger: one message before a call (and one
 * after a model call), never per token. A run without a ledger (restored from a checkpoint made
 * before budgets existed) has no budget and counts no cost.
 */

/** Sent to the run when its own budget is spent: it ends at once, failed `budget_exhausted`. */
export interface RunBudgetExhaustedEvent {
  type: 'BUDGET.RUN_EXHAUSTED';
  limit: string;
  spent: number;
  max: number;
  /** Set by the run's own duration timer: no call announced it (a call that was refused did). */
  unannounced?: true;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
type AnySystem = ActorSystem<any>;

interface Ledger {
  snapshot: LedgerSnapshot;
  ask(event: LedgerEvent): void;
}

function ledgerOf(system: AnySystem): Ledger | null {
  const ref = system.get(BUDGET_LEDGER_SYSTEM_ID);
  const snapshot = ref?.getSnapshot() as LedgerSnapshot | undefined;
  if (!ref || snapshot?.status !== 'active') return null;
  return { snapshot, ask: (event) => ref.send(event) };
}

const scopeKind = (scope: string): BudgetScopeKind => (scope === RUN_SCOPE ? 'run' : scope.startsWith('team:') ? 'team' : 'agent');

/** Announces the notices as `budget.warning` / `budget.exhausted` events (and counts each exhausted budget). */
function announce(system: AnySystem, agent: AgentRef, notices: BudgetNotice[]): void {
  if (notices.length === 0) return;
  const { telemetry } = resourcesOf(system);
  for (const n of notices) if (n.kind === 'exhausted') telemetry.budgetExhausted(scopeKind(n.scope));
  const source = sourceOf(agent);
  sendToSink(system, notices.map((n) => ({ source, category: 'budget' as const, action: n.kind, data: { scope: n.scope, limit: n.limit, spent: n.spent, max: n.max } })));
}

function endRun(system: AnySystem, ledger: Ledger, event: Omit<RunBudgetExhaustedEvent, 'type'>): void {
  system.get(runSystemId(ledger.snapshot.ledger.runId))?.send({ type: 'BUDGET.RUN_EXHAUSTED', ...event } satisfies RunBudgetExhaustedEvent);
}

function refused(system: AnySystem, agent: AgentRef, ledger: Ledger, answer: Refusal): BudgetExhaustedError {
  announce(system, agent, answer.notices);
  if (answer.endsRun) endRun(system, ledger, { limit: answer.limit, spent: answer.spent, max: answer.max });
  return new BudgetExhaustedError(answer.scope, answer.limit);
}

/** What a model call was granted: its output cap (absent: its own) and how it reports its usage afterwards. */
export interface ModelCallBudget {
  maxOutputTokens?: number;
  /** Once, after the call: its usage (null: it failed or was stopped without reporting any). Returns the call's cost in USD. */
  settle(usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number } | null): number;
}

const UNBUDGETED: ModelCallBudget = { settle: () => 0 };

/**
 * Reserves a model call of `agent` before it is made; throws BudgetExhaustedError when a budget
 * on its way up refuses it. `inputTexts` is called only when a token or cost limit applies.
 */
export async function reserveModelCall(
  system: AnySystem, agent: AgentPlan, maxOutputTokens: number | undefined, inputTexts: () => string[],
): Promise<ModelCallBudget> {
  const ledger = ledgerOf(system);
  if (!ledger) return UNBUDGETED;
  const { limits, scopesOf } = ledger.snapshot.ledger;
  const limited = (scopesOf[agent.agentId] ?? [RUN_SCOPE]).some((s) => limits[s]?.max_tokens !== undefined || limits[s]?.max_cost_usd !== undefined);
  const inputEstimate = limited ? estimateInputTokens(inputTexts()) : 0;
  const prices = agent.model.prices;
  const answer = await new Promise<Parameters<Extract<LedgerEvent, { type: 'BUDGET.RESERVE' }>['reply']>[0]>((reply) => ledger.ask({
    type: 'BUDGET.RESERVE', request: { agentId: agent.agentId, inputEstimate, ...(maxOutputTokens !== undefined && { maxOutputTokens }), ...(prices && { prices }) }, reply,
  }));
  if (!answer.ok) throw refused(system, agent, ledger, answer);
  let settled = false;
  return {
    ...(answer.maxOutputTokens !== undefined && { maxOutputTokens: answer.maxOutputTokens }),
    settle(usage) {
      if (settled) return 0;
      settled = true;
      const costUsd = usage ? callCostUsd(prices, usage) : 0;
      // The ledger may be gone (the run was stopped while the call ran): nothing left to charge.
      const live = ledgerOf(system);
      live?.ask({
        type: 'BUDGET.SETTLE',
        request: { reservationId: answer.reservationId, usage: usage && { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }, costUsd },
        reply: (settledAnswer) => {
          announce(system, agent, settledAnswer.notices);
          if (settledAnswer.runOver) endRun(system, live, settledAnswer.runOver);
        },
      });
      return costUsd;
    },
  };
}

/** Charges a worker's tool call before it runs; throws BudgetExhaustedError when a budget on its way up is spent. */
export async function chargeToolCall(system: AnySystem, agent: AgentRef): Promise<void> {
  const ledger = ledgerOf(system);
  if (!ledger) return;
  const answer = await new Promise<Parameters<Extract<LedgerEvent, { type: 'BUDGET.TOOL' }>['reply']>[0]>((reply) => ledger.ask({ type: 'BUDGET.TOOL', agentId: agent.agentId, reply }));
  if (!answer.ok) throw refused(system, agent, ledger, answer);
  announce(system, agent, answer.notices);
}
