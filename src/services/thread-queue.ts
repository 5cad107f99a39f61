import type { RunOwnership } from '../domain/run-ownership.ts';
import type { RunQueue } from '../host/run-queue.ts';
import type { Logger } from '../logging/logger.ts';
import type { RunService } from './run-service.ts';

export interface ThreadQueueDeps {
  ownership: RunOwnership;
  runs: RunService;
  /** The shared run queue (with Redis): a due run is handed to it; absent, this process executes it. */
  queue: RunQueue | null;
  logger: Logger;
}

/** Due enqueued runs started per sweep at most (the next sweep takes the rest). */
const BATCH = 100;

/**
 * multitask_strategy enqueue: a run started on a busy thread waits, pending and unowned, until
 * the thread's earlier runs have ended; every lease sweep (any process) starts those now due.
 * Releasing one is a compare-and-set, so of racing sweeps exactly one starts it; from there it
 * is a queued run like any other (taken by the queue's worker, or executed here), planned then
 * — so it is given the answer of the run it waited for.
 */
export class ThreadQueue {
  readonly #deps: ThreadQueueDeps;

  constructor(deps: ThreadQueueDeps) {
    this.#deps = deps;
  }

  /** Starts the enqueued runs whose turn came; answers how many. */
  async startDue(): Promise<number> {
    const { ownership, queue, runs, logger } = this.#deps;
    let started = 0;
    for (const run of await ownership.enqueuedDue(BATCH)) {
      if (!(await ownership.releaseEnqueued(run.id))) continue; // another sweep (or a cancel) was first
      started++;
      const job = { runId: run.id, tenantId: run.tenantId };
      if (queue) {
        await queue.enqueue(job);
        continue;
      }
      // Executed here in the background: its end is recorded by its own actor.
      runs.executeQueued(job).catch((err: unknown) => {
        logger.error('an enqueued run could not start', { run_id: run.id, error: String((err as Error)?.message ?? err) });
      });
    }
    return started;
  }
}
