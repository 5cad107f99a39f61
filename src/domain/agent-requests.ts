/** What a client asks of one agent of a live run (runs/agents/cancel, runs/agents/steer). */
export type AgentRequest =
  | { kind: 'cancel'; agentId: string; mode: 'graceful' | 'hard' }
  | { kind: 'steer'; agentId: string; message: string };

/** Requests kept for a run's owner to pick up (without Redis) at most: a tenant cannot grow the list past it. */
export const MAX_PENDING_AGENT_REQUESTS = 16;
