import { RunEventWriter } from '../events/run-event-writer.ts';
import { isTerminal, outcomeOfTerminal } from '../events/run-event.ts';
import type { EventLog } from '../events/event-log.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { Logger } from '../logging/logger.ts';

export interface RecoveryDeps {
  unfinishedRuns(): Promise<Array<{ id: number; tenantId: string }>>;
  repositories(tenantId: string): TenantRepositories;
  eventLog: EventLog;
  logger: Logger;
}

/**
 * At start-up, before any run executes here: every run a stopped process left unfinished is
 * ended. One whose end was streamed but not recorded gets that end recorded; any other is
 * failed "interrupted", and its log gets the terminal `lifecycle.failed` it never wrote, so
 * every stream of every run ends with a terminal event.
 */
export async function recoverUnfinishedRuns(deps: RecoveryDeps): Promise<{ interrupted: number; recorded: number }> {
  let interrupted = 0;
  let recorded = 0;
  for (const run of await deps.unfinishedRuns()) {
    const repos = deps.repositories(run.tenantId);
    const last = await deps.eventLog.last(run.id);
    if (last && isTerminal(last)) {
      await repos.runs.finish(run.id, outcomeOfTerminal(last), new Date());
      recorded++;
      continue;
    }
    const error = 'interrupted';
    await repos.runs.finish(run.id, { status: 'failed', error }, new Date());
    const writer = new RunEventWriter(run.id, deps.eventLog, (err, lost) => {
      deps.logger.error('could not store the end of an interrupted run', { run_id: run.id, lost, error: err.message });
    }, (last?.sequence ?? 0) + 1);
    writer.push({
      source: null, category: 'lifecycle', action: 'failed',
      data: { error, details: { reason: 'the process executing the run stopped before it ended' } },
    });
    writer.close();
    await writer.drain();
    await deps.eventLog.markEnded(run.id);
    interrupted++;
  }
  return { interrupted, recorded };
}
