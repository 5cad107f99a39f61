import { ValidationError } from '../errors/app-error.ts';
import { isTerminal, parseEventId, type StoredEvent } from '../events/run-event.ts';
import type { EventLog } from '../events/event-log.ts';

/** A page of a run's stored events, as runs/events answers it. */
export interface EventPage {
  run_id: number;
  /** As stored: each event's JSON is handed on without being parsed or serialised again. */
  events: StoredEvent[];
  count: number;
  has_more: boolean;
  next_id: string | null;
}

/** Events read per page when a whole log is walked. */
const PAGE_SIZE = 5000;

/** A run's stored events from `from` on, a page at a time (the run's tenant is checked by the caller). */
export async function* eventPages(log: EventLog, runId: number, from = 1): AsyncGenerator<StoredEvent[]> {
  for (let next = from; ;) {
    const page = await log.read(runId, { from: next, limit: PAGE_SIZE });
    if (page.length > 0) yield page;
    if (page.length < PAGE_SIZE) return;
    next = page[page.length - 1]!.sequence + 1;
  }
}

/** Every stored event of a run, parsed (the run's tenant is checked by the caller). */
export async function readAllEvents(log: EventLog, runId: number): Promise<Array<Record<string, unknown>>> {
  const events: Array<Record<string, unknown>> = [];
  for await (const page of eventPages(log, runId)) {
    for (const e of page) events.push(JSON.parse(e.json) as Record<string, unknown>);
  }
  return events;
}

/** The events from `startId` (`-`: the first) to `endId` (`+`: the last), at most `limit`. */
export async function readEventPage(log: EventLog, runId: number, startId: string, endId: string, limit: number): Promise<EventPage> {
  const from = startId === '-' ? 1 : parseEventId(startId);
  const to = endId === '+' ? undefined : parseEventId(endId);
  if (from === undefined) throw new ValidationError(`start_id: malformed event id "${startId}"`, undefined, 'INVALID_EVENT_ID');
  if (endId !== '+' && to === undefined) throw new ValidationError(`end_id: malformed event id "${endId}"`, undefined, 'INVALID_EVENT_ID');
  const rows = await log.read(runId, { from, ...(to !== undefined && { to }), limit: limit + 1 });
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return {
    run_id: runId,
    events: page,
    count: page.length,
    has_more: hasMore,
    next_id: hasMore ? String(page[page.length - 1]!.sequence + 1) : null,
  };
}

/**
 * An owner records a run's end just before it appends the terminal event: a process watching
 * from outside waits for that event too, so what it answers is the whole log. Bounded: a run
 * whose terminal event could not be stored never gets one.
 */
export async function untilTerminalEvent(log: EventLog, runId: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const last = await log.last(runId);
    if ((last && isTerminal(last)) || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
