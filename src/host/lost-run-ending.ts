import { isTerminal, outcomeOfTerminal, toStoredEvent } from '../events/run-event.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunOwnership } from '../domain/run-ownership.ts';
import type { RunOutcome } from '../domain/run-records.ts';

/** Appends can race with a stale owner still writing: each lost race re-reads the log's end. */
const MAX_APPEND_ATTEMPTS = 20;

export interface LostRunEnding {
  eventLog: EventLog;
  ownership: RunOwnership;
  /** This process, which must already own the run (it claimed it). */
  processId: string;
  runId: number;
  /** `owner lost`, or `interrupted` for a run left by a version without leases. */
  error: string | null;
  reason: string;
  /** Default `failed`; `cancelled` for a run cancelled before any process took it. */
  status?: 'failed' | 'cancelled';
}

/**
 * Ends a run whose executing process is gone, after this process claimed it. The terminal
 * event goes at the log's next sequence; if a stale owner wrote that sequence first, the
 * append rejects and the end is placed after what it wrote — and from then on every append
 * of the stale owner is refused (its sequences exist), so nothing follows the terminal. When
 * the log already ends with a terminal event (the owner streamed its end but could not record
 * it), that end is recorded instead. Returns the outcome recorded, or null when another process
 * recorded the end first.
 */
export async function endLostRun(p: LostRunEnding): Promise<RunOutcome | null> {
  const status = p.status ?? 'failed';
  let outcome: RunOutcome | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS && !outcome; attempt++) {
    const last = await p.eventLog.last(p.runId);
    if (last && isTerminal(last)) {
      outcome = outcomeOfTerminal(last);
      break;
    }
    const terminal = toStoredEvent({
      run_id: p.runId,
      timestamp: new Date().toISOString(),
      sequence: (last?.sequence ?? 0) + 1,
      source: null,
      event: { category: 'lifecycle', action: status },
      data: status === 'failed' ? { error: p.error, details: { reason: p.reason } } : { reason: p.reason },
    });
    try {
      await p.eventLog.append(p.runId, [terminal]);
      outcome = { status, error: p.error };
    } catch (err) {
      lastError = err;
    }
  }
  if (!outcome) throw new Error(`could not append the end of run ${p.runId}: ${String(lastError)}`);
  const recorded = await p.ownership.finishOwned(p.runId, p.processId, outcome, new Date());
  await p.eventLog.markEnded(p.runId);
  return recorded ? outcome : null;
}
