import type { ActorLogic, Snapshot } from 'xstate';
import {
  chargeToolCall, newLedger, reserveModel, restoredLedger, settleModel,
  type LedgerState, type ModelGrant, type ModelRequest, type Refusal, type SettleAnswer, type SettleRequest, type ToolGrant,
} from './budget-ledger.ts';
import type { RunPlan } from './run-plan.ts';

/** The address of a run's budget ledger in its actor system. */
export const BUDGET_LEDGER_SYSTEM_ID = 'budget-ledger';

/**
 * What the ledger is asked. Each event carries the asker's reply: the answer is computed from
 * the ledger's state as of this event (events are taken one at a time), handed back once the new
 * state is in place; the reply never enters the ledger's snapshot, which stays plain data.
 */
export type LedgerEvent =
  | { type: 'BUDGET.RESERVE'; request: ModelRequest; reply(answer: ModelGrant | Refusal): void }
  | { type: 'BUDGET.SETTLE'; request: SettleRequest; reply(answer: SettleAnswer): void }
  | { type: 'BUDGET.TOOL'; agentId: string; reply(answer: ToolGrant | Refusal): void }
  | { type: 'xstate.stop' };

export interface LedgerSnapshot {
  status: 'active' | 'stopped';
  output: undefined;
  error: undefined;
  /** Its kind, so runs/inspect can leave it out of the tree of agents (it shows spend on each agent instead). */
  input: { kind: 'budget_ledger' };
  ledger: LedgerState;
}

export interface LedgerInput {
  plan: RunPlan;
}

/**
 * The run's budget ledger as an actor of the run's system: its snapshot (the ledger) is part of
 * every checkpoint; restored, it drops the reservations of calls that were in flight (they are
 * issued again and reserve again).
 */
export const budgetLedgerLogic: ActorLogic<LedgerSnapshot, LedgerEvent, LedgerInput> = {
  transition: (snapshot, event, scope) => {
    const now = Date.now();
    switch (event.type) {
      case 'xstate.stop':
        return { ...snapshot, status: 'stopped' };
      case 'BUDGET.RESERVE': {
        const { state, answer } = reserveModel(snapshot.ledger, event.request, now);
        scope.defer(() => event.reply(answer));
        return { ...snapshot, ledger: state };
      }
      case 'BUDGET.SETTLE': {
        const { state, answer } = settleModel(snapshot.ledger, event.request, now);
        scope.defer(() => event.reply(answer));
        return { ...snapshot, ledger: state };
      }
      case 'BUDGET.TOOL': {
        const { state, answer } = chargeToolCall(snapshot.ledger, event.agentId, now);
        scope.defer(() => event.reply(answer));
        return { ...snapshot, ledger: state };
      }
      default:
        return snapshot;
    }
  },
  getInitialSnapshot: (_, input) => ({
    status: 'active', output: undefined, error: undefined, input: { kind: 'budget_ledger' }, ledger: newLedger(input.plan, Date.now()),
  }),
  restoreSnapshot: (persisted) => {
    const snapshot = persisted as unknown as LedgerSnapshot;
    return { ...snapshot, status: 'active', ledger: restoredLedger(snapshot.ledger) };
  },
  getPersistedSnapshot: (snapshot): Snapshot<unknown> => snapshot as unknown as Snapshot<unknown>,
};
