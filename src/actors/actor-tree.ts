import type { AnyActorRef } from 'xstate';
import { emptyStats, type AgentStats } from './agent-stats.ts';

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
  children: ActorNode[];
}

interface SnapshotLike {
  status: string;
  value?: unknown;
  context?: Record<string, unknown> & {
    kind?: string;
    agent?: { agentId: string; name: string; teamName: string | null; role: string | null };
    current?: { task: string } | null;
    stats?: AgentStats;
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

/** Walks an actor and its children through their snapshots (read-only: nothing is sent). */
export function describeActor(id: string, ref: AnyActorRef): ActorNode {
  const snapshot = ref.getSnapshot() as SnapshotLike | undefined;
  // An actor still computing its first snapshot (a run settled before it started) has none yet.
  if (!snapshot) return { id, kind: 'actor', status: 'starting', state: null, children: [] };
  const ctx = snapshot.context;
  const named = typeof snapshot.input?.kind === 'string' ? snapshot.input.kind : undefined;
  const kind = ctx?.kind ?? named ?? (ctx?.plan ? 'run' : snapshot.value === undefined ? promiseKind(snapshot) : 'actor');
  const node: ActorNode = { id, kind, status: snapshot.status, state: snapshot.value ?? null, children: [] };
  if (ctx?.agent) {
    node.agent_id = ctx.agent.agentId;
    node.agent_name = ctx.agent.name;
    node.team_name = ctx.agent.teamName;
    node.role = ctx.agent.role;
    node.busy_with = ctx.current?.task ?? null;
  }
  if (ctx?.stats) node.stats = ctx.stats;
  for (const [childId, child] of Object.entries(snapshot.children ?? {})) {
    if (child) node.children.push(describeActor(childId, child));
  }
  return node;
}

/** Per-agent statistics and their totals, from a described tree. */
export function statisticsOf(tree: ActorNode): { agents: Record<string, unknown>; totals: AgentStats } {
  const agents: Record<string, unknown> = {};
  const totals: AgentStats = emptyStats();
  const visit = (node: ActorNode) => {
    if (node.agent_id && node.stats) {
      agents[node.agent_id] = { kind: node.kind, agent_name: node.agent_name, team_name: node.team_name ?? null, ...node.stats };
      // Stats stored by an older version lack newer counters: they count as 0.
      for (const key of Object.keys(totals) as Array<keyof AgentStats>) totals[key] += node.stats[key] ?? 0;
    }
    node.children.forEach(visit);
  };
  visit(tree);
  return { agents, totals };
}

/**
 * The tree as kept after the run: the run is done and every actor in it was stopped with it,
 * whatever state each was in at the end (which stays in `state`).
 */
export function finalTree(tree: ActorNode): ActorNode {
  const stop = (node: ActorNode): ActorNode => ({ ...node, status: 'stopped', children: node.children.map(stop) });
  return { ...tree, status: 'done', children: tree.children.map(stop) };
}
