import type { AnyActorRef } from 'xstate';
import { emptyStats, type AgentStats } from './agent-stats.ts';
import { BUDGET_LEDGER_SYSTEM_ID, type LedgerSnapshot } from './budget-ledger-actor.ts';
import { agentScope, RUN_SCOPE, scopeView, teamScope, type LedgerState } from './budget-ledger.ts';

/** A scope's spend against its budget (null: no limit), as the tree and statistics show it. */
export type SpendView = NonNullable<ReturnType<typeof scopeView>>;
import type { DelegationOutcome } from './agent-outcome.ts';

/** One actor of a run's live tree, as `runs/inspect` shows it. */
export interface ActorNode {
  id: string;
  kind: string;
  status: string;
  state: unknown;
  agent_id?: string;
  agent_name?: string;
  team_name?: string | null;
  role?: string | null;
  busy_with?: string | null;
  stats?: AgentStats;
  /** The agent's own spend and budget (`agent:<id>`). */
  spend?: SpendView;
  /** A supervisor's subtree: its team's (`team:<name>`), or the whole run's for the global supervisor. */
  subtree_spend?: SpendView;
  /** How the agent's last task ended (null: none ended yet). */
  outcome?: DelegationOutcome | null;
  children: ActorNode[];
}

interface SnapshotLike {
  status: string;
  value?: unknown;
  context?: Record<string, unknown> & {
    agent?: { agentId: string; agentType: string; name: string; teamName: string | null; role: string | null };
    current?: { task: string } | null;
    stats?: AgentStats;
    outcome?: DelegationOutcome | null;
    plan?: { runId: number };
  };
  children?: Record<string, AnyActorRef | undefined>;
  /** A promise actor's input: a tool call's names its tool; an actor may name its kind. */
  input?: { toolName?: unknown; kind?: unknown };
}

/** The promise actors of a run are model calls and (workers') tool calls. */
function promiseKind(snapshot: SnapshotLike): string {
  return typeof snapshot.input?.toolName === 'string' ? 'tool_call' : 'model_call';
}

/** A run's resources and its deadline timer are plumbing, not work: the tree (and its inspection) shows neither. */
export function isPlumbing(ref: { getSnapshot(): unknown }): boolean {
  const kind = (ref.getSnapshot() as SnapshotLike | undefined)?.input?.kind;
  return kind === 'run_resources' || kind === 'deadline' || kind === 'budget_ledger';
}

function ledgerIn(ref: AnyActorRef): LedgerState | null {
  const snapshot = (ref.system as { get(id: string): AnyActorRef | undefined } | undefined)?.get(BUDGET_LEDGER_SYSTEM_ID)?.getSnapshot() as LedgerSnapshot | undefined;
  return snapshot?.ledger ?? null;
}

/** Walks an actor and its children through their snapshots (read-only: nothing is sent); agents show their spend from the run's ledger. */
export function describeActor(id: string, ref: AnyActorRef, ledger: LedgerState | null = ledgerIn(ref)): ActorNode {
  const snapshot = ref.getSnapshot() as SnapshotLike | undefined;
  // An actor still computing its first snapshot (a run settled before it started) has none yet.
  if (!snapshot) return { id, kind: 'actor', status: 'starting', state: null, children: [] };
  const ctx = snapshot.context;
  const named = typeof snapshot.input?.kind === 'string' ? snapshot.input.kind : undefined;
  // An agent's kind is its plan's type (worker, team_supervisor, global_supervisor).
  const kind = ctx?.agent?.agentType ?? named ?? (ctx?.plan ? 'run' : snapshot.value === undefined ? promiseKind(snapshot) : 'actor');
  const node: ActorNode = { id, kind, status: snapshot.status, state: snapshot.value ?? null, children: [] };
  if (ctx?.agent) {
    node.agent_id = ctx.agent.agentId;
    node.agent_name = ctx.agent.name;
    node.team_name = ctx.agent.teamName;
    node.role = ctx.agent.role;
    node.busy_with = ctx.current?.task ?? null;
    const own = ledger && scopeView(ledger, agentScope(ctx.agent.agentId));
    if (own) node.spend = own;
    const subtree = ledger && (kind === 'global_supervisor' ? scopeView(ledger, RUN_SCOPE)
      : kind === 'team_supervisor' && ctx.agent.teamName ? scopeView(ledger, teamScope(ctx.agent.teamName)) : null);
    if (subtree) node.subtree_spend = subtree;
    node.outcome = ctx.outcome ?? null;
  }
  if (ctx?.stats) node.stats = ctx.stats;
  for (const [childId, child] of Object.entries(snapshot.children ?? {})) {
    if (child && !isPlumbing(child)) node.children.push(describeActor(childId, child, ledger));
  }
  return node;
}

/**
 * Per-agent statistics and their totals, from a described tree; with the run's spend (cost
 * included) when it has a budget ledger: each agent's own, each team's and the run's.
 */
export function statisticsOf(tree: ActorNode): { agents: Record<string, unknown>; totals: AgentStats & { cost_usd?: number }; spend?: Record<string, SpendView> } {
  const agents: Record<string, unknown> = {};
  const totals: AgentStats & { cost_usd?: number } = emptyStats();
  const spend: Record<string, SpendView> = {};
  const visit = (node: ActorNode) => {
    if (node.subtree_spend) spend[node.subtree_spend.scope] = node.subtree_spend;
    if (node.agent_id && node.stats) {
      agents[node.agent_id] = {
        kind: node.kind, agent_name: node.agent_name, team_name: node.team_name ?? null, ...node.stats, outcome: node.outcome ?? null,
        ...(node.spend && { cost_usd: node.spend.spent.cost_usd, spend: node.spend.spent, budget: node.spend.budget }),
      };
      // Stats stored by an older version lack newer counters: they count as 0.
      for (const key of Object.keys(totals) as Array<keyof AgentStats>) totals[key] += node.stats[key] ?? 0;
    }
    node.children.forEach(visit);
  };
  visit(tree);
  const run = spend[RUN_SCOPE];
  if (run) totals.cost_usd = run.spent.cost_usd;
  return { agents, totals, ...(run && { spend }) };
}

/**
 * The tree as kept after the run: the run is done and every actor in it was stopped with it,
 * whatever state each was in at the end (which stays in `state`).
 */
export function finalTree(tree: ActorNode): ActorNode {
  const stop = (node: ActorNode): ActorNode => ({ ...node, status: 'stopped', children: node.children.map(stop) });
  return { ...tree, status: 'done', children: tree.children.map(stop) };
}
