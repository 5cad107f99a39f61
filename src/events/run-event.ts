/** The event format shared with the original service (see shared/reference/original-system.md). */
/** Event categories: the original's four, and those of agent control (agent), budgets (budget) and human input (human). */
export type EventCategory = 'lifecycle' | 'llm' | 'dispatch' | 'system' | 'agent' | 'budget' | 'human';
export type AgentType = 'global_supervisor' | 'team_supervisor' | 'worker';

export interface EventSource {
  agent_id: string;
  agent_type: AgentType;
  agent_name: string;
  team_name: string | null;
}

export interface RunEvent {
  run_id: number;
  timestamp: string;
  sequence: number;
  source: EventSource | null;
  event: { category: EventCategory; action: string };
  data: Record<string, unknown>;
}

/** What an agent hands its run's sink: the sink alone adds run_id, sequence and timestamp. */
export interface EventDraft {
  source: EventSource | null;
  category: EventCategory;
  action: string;
  data: Record<string, unknown>;
}

/**
 * An event as the log keeps it: `json` is the serialised RunEvent, made once by the sink and
 * handed as-is to storage and subscribers. `id` is the SSE id: the decimal sequence, which
 * stays valid as Last-Event-ID whatever backend stores the event.
 */
export interface StoredEvent {
  id: string;
  sequence: number;
  category: EventCategory;
  action: string;
  json: string;
}

export const TERMINAL_ACTIONS: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export function isTerminal(event: Pick<StoredEvent, 'category' | 'action'>): boolean {
  return event.category === 'lifecycle' && TERMINAL_ACTIONS.has(event.action);
}

export function toStoredEvent(event: RunEvent): StoredEvent {
  return {
    id: String(event.sequence),
    sequence: event.sequence,
    category: event.event.category,
    action: event.event.action,
    json: JSON.stringify(event),
  };
}

/**
 * Parses an event id from a client (Last-Event-ID, start_id, end_id). Accepts the decimal
 * sequence and the Redis-style `<ms>-<seq>` form, whose second part is the sequence.
 * Returns undefined when malformed.
 */
export function parseEventId(raw: string): number | undefined {
  const match = /^(?:\d+-)?(\d{1,15})$/.exec(raw.trim());
  return match ? Number(match[1]) : undefined;
}

/** The outcome a stored terminal event records (for a run whose end was streamed but not saved). */
export function outcomeOfTerminal(event: StoredEvent): {
  status: 'completed' | 'failed' | 'cancelled';
  result: string | null;
  error: string | null;
  statistics: Record<string, unknown> | null;
} {
  const { data } = JSON.parse(event.json) as RunEvent;
  const details = data.details as { statistics?: Record<string, unknown> } | undefined;
  return {
    status: event.action as 'completed' | 'failed' | 'cancelled',
    result: typeof data.result === 'string' ? data.result : null,
    error: typeof data.error === 'string' ? data.error : null,
    statistics: (data.statistics as Record<string, unknown> | undefined) ?? details?.statistics ?? null,
  };
}
