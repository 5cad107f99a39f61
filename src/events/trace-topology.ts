import type { EventSource } from './run-event.ts';

/** Who a run's agents are, read from its topology (system.topology, or the run's stored snapshot). */
interface TopologyAgent {
  agent_id?: unknown;
  name?: unknown;
}

export interface TracedAgent {
  id: string;
  name: string | null;
  team: string | null;
}

/** The agent an event came from, as its spans name it. */
export const tracedAgentOf = (source: EventSource): TracedAgent => ({ id: source.agent_id, name: source.agent_name, team: source.team_name });

/**
 * The agents of a run by id, and a delegation's target by the names its dispatch event gives
 * (team, worker): what the trace needs to put a delegated task on the agent that works on it.
 */
export class TraceTopology {
  readonly #agents = new Map<string, TracedAgent>();
  readonly #teams = new Map<string, string>();
  readonly #workers = new Map<string, string>();
  #global: TracedAgent | null = null;

  constructor(topology: unknown) {
    this.read(topology);
  }

  read(topology: unknown): void {
    if (!topology || typeof topology !== 'object') return;
    const t = topology as { global_supervisor?: TopologyAgent; teams?: Array<{ name?: unknown; supervisor?: TopologyAgent; workers?: TopologyAgent[] }> };
    this.#global = this.#add(t.global_supervisor, null) ?? this.#global;
    for (const team of Array.isArray(t.teams) ? t.teams : []) {
      const teamName = typeof team.name === 'string' ? team.name : null;
      if (teamName === null) continue;
      const supervisor = this.#add(team.supervisor, teamName);
      if (supervisor) this.#teams.set(teamName, supervisor.id);
      for (const worker of Array.isArray(team.workers) ? team.workers : []) {
        const added = this.#add(worker, teamName);
        if (added?.name) this.#workers.set(`${teamName}/${added.name}`, added.id);
      }
    }
  }

  #add(agent: TopologyAgent | undefined, team: string | null): TracedAgent | null {
    if (!agent || typeof agent.agent_id !== 'string') return null;
    const traced = { id: agent.agent_id, name: typeof agent.name === 'string' ? agent.name : null, team };
    this.#agents.set(traced.id, traced);
    return traced;
  }

  get global(): TracedAgent | null {
    return this.#global;
  }

  /** An agent by id; one the topology does not name keeps its id as its only name. */
  agent(id: string): TracedAgent {
    return this.#agents.get(id) ?? { id, name: null, team: null };
  }

  /** A team's supervisor (by team name); unknown: a stand-in id naming the team. */
  teamSupervisor(team: string): string {
    return this.#teams.get(team) ?? `team:${team}`;
  }

  worker(team: string, worker: string): string {
    return this.#workers.get(`${team}/${worker}`) ?? `worker:${team}/${worker}`;
  }
}
