import type { ActorNode } from '../actors/actor-tree.ts';
import { emptyStats, type AgentStats } from '../actors/agent-stats.ts';
import { addUsage, emptyUsage, type DelegationOutcome, type OutcomeUsage } from '../actors/agent-outcome.ts';
import { ValidationError } from '../errors/app-error.ts';
import type { EventLog } from '../events/event-log.ts';
import { isTerminal, type RunEvent, type StoredEvent } from '../events/run-event.ts';
import type { RunRecord } from '../domain/run-records.ts';

/** An agent as the run's events show it at one point: runs/inspect's node, with its output so far and its ended tasks' usage. */
export interface TravelNode extends ActorNode {
  /** The text streamed in its current task so far (its last OUTPUT_CHARS), or its last task's answer. */
  output?: string | null;
  /** What its ended tasks cost (a supervisor's include its subtree's). */
  usage?: OutcomeUsage;
  children: TravelNode[];
}

export interface TimeTravelAnswer {
  run_id: number;
  live: false;
  /** The run's status once event `at_sequence` had happened. */
  status: string;
  tree: TravelNode;
  at_sequence: number;
  last_sequence: number;
}

const OUTPUT_CHARS = 2000;
const PAGE = 5000;

interface TopologyAgent { agent_id: string; name: string; role?: string }
interface Topology { global_supervisor?: TopologyAgent; teams?: Array<{ name: string; supervisor: TopologyAgent; workers: TopologyAgent[] }> }

function agentNode(id: string, kind: string, agent: TopologyAgent, team: string | null): TravelNode {
  return {
    id, kind, status: 'active', state: 'idle', agent_id: agent.agent_id, agent_name: agent.name, team_name: team, role: agent.role ?? null,
    busy_with: null, stats: emptyStats(), outcome: null, output: null, usage: emptyUsage(), children: [],
  };
}

function tail(text: string): string {
  return text.length > OUTPUT_CHARS ? `…${text.slice(-OUTPUT_CHARS)}` : text;
}

/**
 * A run's tree folded from its events, in order: what runs/inspect showed at that point, as far as
 * the events tell it (the agents' machine states are those their events imply: idle, thinking,
 * delegating, working, usingTools, stopped). Its agents come from the run's stored topology, so
 * they are all there from the start — waiting, as their actors were.
 */
class RunFold {
  readonly root: TravelNode;
  status = 'pending';
  readonly #byAgent = new Map<string, TravelNode>();
  readonly #byTeam = new Map<string, { supervisor: TravelNode; workers: Map<string, TravelNode> }>();
  #global: TravelNode | null = null;

  constructor(runId: number, topology: Topology | null) {
    this.root = { id: `run:${runId}`, kind: 'run', status: 'active', state: 'boot', children: [] };
    const global = topology?.global_supervisor;
    if (!global) return;
    this.#global = this.#add(this.root, agentNode('global-supervisor', 'global_supervisor', global, null));
    for (const team of topology.teams ?? []) {
      const supervisor = this.#add(this.#global, agentNode(`team:${team.supervisor.agent_id}`, 'team_supervisor', team.supervisor, team.name));
      const workers = new Map<string, TravelNode>();
      for (const w of team.workers) workers.set(w.name, this.#add(supervisor, agentNode(`worker:${w.agent_id}`, 'worker', w, team.name)));
      this.#byTeam.set(team.name, { supervisor, workers });
    }
  }

  #add(parent: TravelNode, node: TravelNode): TravelNode {
    parent.children.push(node);
    this.#byAgent.set(node.agent_id!, node);
    return node;
  }

  #begin(node: TravelNode | undefined, task: string): void {
    if (!node) return;
    node.state = node.kind === 'worker' ? 'working' : 'thinking';
    node.busy_with = task;
    node.output = '';
    node.stats = { ...node.stats!, tasks: node.stats!.tasks + 1 };
  }

  #settle(node: TravelNode | undefined, outcome: DelegationOutcome | undefined): void {
    if (!node) return;
    if (node.state !== 'stopped') node.state = 'idle';
    node.busy_with = null;
    if (!outcome) return;
    node.outcome = outcome;
    node.output = outcome.output ?? outcome.partial_output;
    if (outcome.usage) node.usage = addUsage(node.usage ?? emptyUsage(), outcome.usage);
  }

  #count(node: TravelNode | undefined, key: keyof AgentStats, by = 1): void {
    if (node) node.stats = { ...node.stats!, [key]: (node.stats![key] ?? 0) + by };
  }

  apply(stored: StoredEvent): void {
    const e = JSON.parse(stored.json) as RunEvent;
    const data = e.data;
    const source = e.source ? this.#byAgent.get(e.source.agent_id) : undefined;
    const team = typeof data['team_name'] === 'string' ? this.#byTeam.get(data['team_name']) : undefined;
    const target = e.event.category === 'dispatch' && typeof data['worker_name'] === 'string' ? team?.workers.get(data['worker_name']) : team?.supervisor;
    switch (`${e.event.category}.${e.event.action}`) {
      case 'lifecycle.started':
        this.status = 'running';
        this.root.state = 'running';
        this.#begin(this.#global ?? undefined, String(data['task'] ?? ''));
        return;
      case 'llm.stream':
      case 'llm.reasoning':
        if (!source) return;
        if (e.event.action === 'stream' && typeof data['content'] === 'string') source.output = tail((source.output ?? '') + data['content']);
        // A streaming agent is in its model turn.
        if (source.state !== 'stopped') source.state = source.kind === 'worker' ? 'working' : 'thinking';
        return;
      case 'llm.tool_call':
        this.#count(source, 'tool_calls');
        if (source) source.state = source.kind === 'worker' ? 'usingTools' : 'delegating';
        return;
      case 'llm.tool_result':
        if (data['is_error'] === true) this.#count(source, 'tool_errors');
        if (source) source.state = source.kind === 'worker' ? 'working' : 'thinking';
        return;
      case 'llm.call_completed': {
        const usage = data['usage'] as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
        this.#count(source, 'model_calls');
        if (typeof usage?.input_tokens === 'number') this.#count(source, 'input_tokens', usage.input_tokens);
        if (typeof usage?.output_tokens === 'number') this.#count(source, 'output_tokens', usage.output_tokens);
        return;
      }
      case 'dispatch.team':
      case 'dispatch.worker':
        this.#begin(target, String(data['task'] ?? ''));
        return;
      case 'dispatch.team_completed':
      case 'dispatch.worker_completed':
        this.#settle(target, data['outcome'] as DelegationOutcome | undefined);
        return;
      case 'system.error':
        this.#count(source, 'errors');
        return;
      case 'agent.cancelled': {
        const node = this.#byAgent.get(String(data['agent_id']));
        if (node) node.state = 'stopped';
        this.#settle(node, data['outcome'] as DelegationOutcome | undefined);
        return;
      }
    }
    if (isTerminal(stored)) this.#end(e);
  }

  /** The run's end: every agent stopped with it; its statistics (each agent's counts and outcome) are exact. */
  #end(e: RunEvent): void {
    this.status = e.event.action;
    this.root.state = 'done';
    this.root.status = 'done';
    const statistics = (e.data['statistics'] ?? (e.data['details'] as { statistics?: unknown } | undefined)?.statistics) as
      { agents?: Record<string, AgentStats & { outcome?: DelegationOutcome | null }> } | undefined;
    const result = typeof e.data['result'] === 'string' ? e.data['result'] : null;
    for (const [id, node] of this.#byAgent) {
      const ended = statistics?.agents?.[id];
      if (ended) {
        const { outcome, ...counts } = ended;
        node.stats = { ...node.stats!, ...pickStats(counts) };
        if (outcome) node.outcome = outcome;
      }
      if (node === this.#global && node.busy_with !== null) node.output = result ?? node.output ?? null;
      node.busy_with = null;
      if (node.state !== 'stopped') node.state = 'idle';
      node.status = 'stopped';
    }
  }
}

function pickStats(counts: Record<string, unknown>): Partial<AgentStats> {
  const out: Partial<AgentStats> = {};
  for (const key of Object.keys(emptyStats()) as Array<keyof AgentStats>) if (typeof counts[key] === 'number') out[key] = counts[key] as number;
  return out;
}

/**
 * Time travel (runs/inspect `at_sequence`): the run's tree once its events 1..atSequence had
 * happened, folded from the stored events, read page by page up to that one only. Past the last
 * stored event is a 400 naming the field (not clamped: a client asking beyond it has a wrong idea
 * of the run, and the answer says where the log ends).
 */
export async function inspectAt(log: EventLog, run: RunRecord, atSequence: number): Promise<TimeTravelAnswer> {
  const last = (await log.last(run.id))?.sequence ?? 0;
  if (atSequence > last) throw new ValidationError(`at_sequence: beyond the run's last event (${last})`);
  const fold = new RunFold(run.id, run.topologySnapshot as Topology | null);
  for (let from = 1; from <= atSequence;) {
    const page = await log.read(run.id, { from, to: atSequence, limit: PAGE });
    for (const stored of page) fold.apply(stored);
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.sequence + 1;
  }
  return { run_id: run.id, live: false, status: fold.status, tree: fold.root, at_sequence: atSequence, last_sequence: last };
}
