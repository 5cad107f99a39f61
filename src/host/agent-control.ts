import { waitFor, type AnyActorRef } from 'xstate';
import { agentSystemId } from '../actors/supervisor-machine.ts';
import type { AgentCancelEvent, AgentSteerEvent } from '../actors/agent-loop.ts';
import type { DelegationOutcome } from '../actors/agent-outcome.ts';
import type { AgentRequest } from '../domain/agent-requests.ts';

export type { AgentRequest } from '../domain/agent-requests.ts';

/**
 * The answer of the process executing the run: `stopped` with the agent's outcome once a cancel
 * took effect, `steered` once the message is queued for the agent's next model turn; otherwise
 * why not — the agent is not in this run, it was stopped already, the run has not started here
 * (it waits for a slot), or a graceful cancel had not taken effect within the wait.
 */
export type AgentAnswer =
  | { result: 'stopped'; agentId: string; outcome: DelegationOutcome | null }
  | { result: 'steered'; agentId: string }
  | { result: 'unknown_agent' | 'already_stopped' | 'not_started' | 'pending' };

interface AgentSnapshotLike {
  status: string;
  value?: unknown;
  context?: { outcome?: DelegationOutcome | null };
}

/** A run's actor as agent control needs it: its system, to address an agent by `agent:<id>`. */
export interface RunActorLike {
  system: { get(systemId: string): AnyActorRef | undefined };
}

/** How long a cancel waits to take effect: a hard one at once (bounded like a run's cancel), a graceful one for the model turn in progress. */
export function agentWaitMs(request: AgentRequest, cancelWaitMs: number): number {
  return request.kind === 'cancel' && request.mode === 'graceful' ? Math.max(cancelWaitMs, GRACEFUL_CANCEL_WAIT_MS) : cancelWaitMs;
}

/** A model turn rarely streams longer; past this the answer is 503 AGENT_CANCEL_PENDING (the cancel still takes effect). */
const GRACEFUL_CANCEL_WAIT_MS = 60_000;

const isStopped = (snapshot: AgentSnapshotLike | undefined) => !snapshot || snapshot.status !== 'active' || snapshot.value === 'stopped';

/**
 * Sends the request to the agent through the run's own actor system (its address derives from
 * the agent id: no directory of agents exists outside the run). A cancel answers once the agent
 * reached `stopped` (at once for a hard cancel: its calls are aborted as it leaves its state; a
 * graceful one after its model turn in progress), bounded by `waitMs`.
 */
export async function controlAgent(run: RunActorLike | null, request: AgentRequest, waitMs: number): Promise<AgentAnswer> {
  if (!run) return { result: 'not_started' };
  const ref = run.system.get(agentSystemId(request.agentId));
  if (!ref) return { result: 'unknown_agent' };
  if (isStopped(ref.getSnapshot() as AgentSnapshotLike | undefined)) return { result: 'already_stopped' };
  if (request.kind === 'steer') {
    ref.send({ type: 'AGENT.STEER', message: request.message } satisfies AgentSteerEvent);
    return { result: 'steered', agentId: request.agentId };
  }
  ref.send({ type: 'AGENT.CANCEL', mode: request.mode } satisfies AgentCancelEvent);
  try {
    const snapshot = await waitFor(ref, (s) => isStopped(s as AgentSnapshotLike), { timeout: waitMs }) as AgentSnapshotLike;
    return { result: 'stopped', agentId: request.agentId, outcome: snapshot.context?.outcome ?? null };
  } catch (err) {
    // waitFor rejects on its timeout, and when the actor stops (its run ended): the latter is a stop too.
    const now = ref.getSnapshot() as AgentSnapshotLike | undefined;
    if (isStopped(now)) return { result: 'stopped', agentId: request.agentId, outcome: now?.context?.outcome ?? null };
    if (err instanceof Error && /timeout/i.test(err.message)) return { result: 'pending' };
    throw err;
  }
}
