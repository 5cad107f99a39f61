import { ConflictError, NotFoundError, UnavailableError } from '../errors/app-error.ts';
import { agentIdsIn } from '../actors/run-plan.ts';
import type { DelegationOutcome } from '../actors/agent-outcome.ts';
import { agentWaitMs, type AgentAnswer, type AgentRequest } from '../host/agent-control.ts';
import type { ControlChannel } from '../host/control-channel.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { RunOwnership } from '../domain/run-ownership.ts';
import type { EventLog } from '../events/event-log.ts';
import { TERMINAL_ACTIONS, type StoredEvent } from '../events/run-event.ts';
import { terminalStatuses, type RunRecord } from '../domain/run-records.ts';

export interface AgentControlDeps {
  runtime: RunRuntime;
  /** Requests to the process owning a run (with Redis); null: they go through the database (`ownership`). */
  control: ControlChannel | null;
  ownership: RunOwnership;
  eventLog: EventLog;
  /** How often an owner picks up requests left in the database (its heartbeat). */
  heartbeatMs: number;
  /** The tenant's run, or NotFoundError. */
  getRun(repos: TenantRepositories, id: number): Promise<RunRecord>;
  cancelWaitMs?: number;
}

/** What runs/agents/cancel and runs/agents/steer answer. */
export interface AgentControlResult {
  run_id: number;
  agent_id: string;
  /** `stopped`: the cancel took effect (with the agent's outcome); `steered`: queued for its next model turn. */
  status: 'stopped' | 'steered';
  outcome?: DelegationOutcome | null;
}

/**
 * Cancel or steer one agent of a live run, wherever the run executes: in this process through
 * its runtime, else through its owner (the control channel, with Redis). The agent is checked
 * against the run's stored topology first, so an unknown agent is a 404 without asking anyone.
 */
export class AgentControlService {
  readonly #deps: AgentControlDeps;

  constructor(deps: AgentControlDeps) {
    this.#deps = deps;
  }

  async control(repos: TenantRepositories, id: number, request: AgentRequest): Promise<AgentControlResult> {
    const run = await this.#deps.getRun(repos, id);
    if (terminalStatuses.has(run.status)) throw new ConflictError(`run ${id} already ended (${run.status})`, 'RUN_ALREADY_ENDED');
    if (!agentIdsIn(run.topologySnapshot).has(request.agentId)) throw new NotFoundError(`run ${id} has no agent "${request.agentId}"`, 'AGENT_NOT_FOUND');
    const waitMs = agentWaitMs(request, this.#deps.cancelWaitMs ?? 5000);
    const { runtime, control } = this.#deps;
    let answer = await runtime.controlAgent(repos.tenantId, id, request, waitMs);
    if (!answer) {
      if (run.status === 'pending') throw new ConflictError(`run ${id} has not started yet`, 'RUN_NOT_STARTED');
      // Parked (a checkpoint, no process): its agents act again once runs/respond resumes it.
      if (run.status === 'waiting_input') {
        throw new ConflictError(`run ${id} waits for a human (runs/get pending_inputs): answer with runs/respond, or cancel the run`, 'RUN_WAITING_INPUT');
      }
      if (!run.owner) throw new UnavailableError(`run ${id} is between processes; retry`, 'AGENT_CONTROL_UNAVAILABLE');
      if (!control) return this.#viaDatabase(repos, id, request, waitMs);
      const reply = await control.ask(run.owner, { kind: 'agent', runId: id, tenantId: repos.tenantId, agent: request }, waitMs + 2000);
      if (!reply?.found || !reply.agent) {
        const now = await this.#deps.getRun(repos, id);
        if (terminalStatuses.has(now.status)) throw new ConflictError(`run ${id} already ended (${now.status})`, 'RUN_ALREADY_ENDED');
        throw new UnavailableError(`run ${id}: its process did not answer in time; retry`, 'AGENT_CONTROL_UNAVAILABLE');
      }
      answer = reply.agent;
    }
    return resultOf(id, request, answer);
  }

  /**
   * Without Redis: the request is left in the database for the run's owner, which takes it with
   * its heartbeat; the answer is read from the run's log, where the agent records the effect
   * (`agent.cancelled` with its outcome, `agent.steered`) — whichever process owns it by then.
   */
  async #viaDatabase(repos: TenantRepositories, id: number, request: AgentRequest, waitMs: number): Promise<AgentControlResult> {
    const { eventLog, ownership } = this.#deps;
    const all = await eventLog.read(id);
    if (all.some((e) => isAgentEvent(e, 'cancelled', request.agentId))) {
      throw new ConflictError(`agent "${request.agentId}" of run ${id} was stopped already`, 'AGENT_ALREADY_STOPPED');
    }
    let from = (all.at(-1)?.sequence ?? 0) + 1;
    if (!(await ownership.requestAgent(id, repos.tenantId, request))) throw new ConflictError(`run ${id} already ended`, 'RUN_ALREADY_ENDED');
    const deadline = Date.now() + waitMs + 2 * this.#deps.heartbeatMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const events = await eventLog.read(id, { from });
      for (const event of events) {
        if (request.kind === 'cancel' && isAgentEvent(event, 'cancelled', request.agentId)) {
          const data = (JSON.parse(event.json) as { data: { outcome?: DelegationOutcome } }).data;
          return { run_id: id, agent_id: request.agentId, status: 'stopped', outcome: data.outcome ?? null };
        }
        if (request.kind === 'steer' && isAgentEvent(event, 'steered', request.agentId)) return { run_id: id, agent_id: request.agentId, status: 'steered' };
        if (event.category === 'lifecycle' && TERMINAL_ACTIONS.has(event.action)) throw new ConflictError(`run ${id} already ended`, 'RUN_ALREADY_ENDED');
      }
      from = (events.at(-1)?.sequence ?? from - 1) + 1;
    }
    throw new UnavailableError(`run ${id}: its process did not act on the request in time (it stays asked)`,
      request.kind === 'cancel' ? 'AGENT_CANCEL_PENDING' : 'AGENT_CONTROL_UNAVAILABLE');
  }

  /** What this process answers another that asks about an agent of a run it executes (see ControlChannel). */
  async answer(tenantId: string, runId: number, request: AgentRequest): Promise<AgentAnswer | null> {
    return this.#deps.runtime.controlAgent(tenantId, runId, request, agentWaitMs(request, this.#deps.cancelWaitMs ?? 5000));
  }
}

/** An event of the agent's own (`agent.<action>` naming it in its data), read without parsing others. */
function isAgentEvent(event: StoredEvent, action: string, agentId: string): boolean {
  return event.category === 'agent' && event.action === action && (JSON.parse(event.json) as { data?: { agent_id?: unknown } }).data?.agent_id === agentId;
}

function resultOf(runId: number, request: AgentRequest, answer: AgentAnswer): AgentControlResult {
  switch (answer.result) {
    case 'stopped': return { run_id: runId, agent_id: request.agentId, status: 'stopped', outcome: answer.outcome };
    case 'steered': return { run_id: runId, agent_id: request.agentId, status: 'steered' };
    case 'unknown_agent': throw new NotFoundError(`run ${runId} has no agent "${request.agentId}"`, 'AGENT_NOT_FOUND');
    case 'already_stopped': throw new ConflictError(`agent "${request.agentId}" of run ${runId} was stopped already`, 'AGENT_ALREADY_STOPPED');
    case 'not_started': throw new ConflictError(`run ${runId} has not started yet`, 'RUN_NOT_STARTED');
    case 'pending': throw new UnavailableError(`agent "${request.agentId}": the graceful cancel takes effect after its model turn in progress`, 'AGENT_CANCEL_PENDING');
  }
}
