import { TooManyRequestsError } from '../errors/app-error.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import type { RunQueue } from '../host/run-queue.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { RunRecord } from '../domain/run-records.ts';

export interface AdmissionLimits {
  /** Runs that may wait for a slot (MAX_QUEUED_RUNS): per process without Redis, in the shared queue with it. */
  maxQueuedRuns: number;
  /** Runs one tenant may have running or waiting (TENANT_MAX_ACTIVE_RUNS), counted from the run records. */
  tenantMaxActiveRuns: number;
}

export interface AdmissionDeps {
  runtime: RunRuntime;
  /** The shared run queue (with Redis); null: runs wait in this process's runtime. */
  queue: RunQueue | null;
  limits: AdmissionLimits;
}

/** Seconds a refused start is told to wait (Retry-After): about the time a slot takes to free up. */
const RETRY_AFTER_S = 5;

const queueFull = () => new TooManyRequestsError('the run queue is full; retry later', 'RUN_QUEUE_FULL', RETRY_AFTER_S);
const tenantLimit = (max: number) => new TooManyRequestsError(
  `at most ${max} runs may be running or waiting at once for this tenant; retry when one ends`, 'TENANT_RUN_LIMIT', RETRY_AFTER_S);

/**
 * The bounds on what a start may add: runs waiting for a slot, and each tenant's active runs. A
 * refused start answers 429 and leaves no run record. Starts of one tenant in this process are
 * admitted one at a time (count, insert), so they never overshoot its bound; against other
 * processes the insert is followed by a recount, and the later of two concurrent starts always
 * sees both, so the bound holds across processes too (at worst both are refused, never both
 * admitted past it).
 */
export class RunAdmission {
  readonly #deps: AdmissionDeps;
  /** Per tenant: the tail of its starts waiting to be admitted here. */
  readonly #tenantTurns = new Map<string, Promise<void>>();
  /** Starts of this process admitted but not yet handed to the runtime or the queue. */
  #inFlight = 0;

  constructor(deps: AdmissionDeps) {
    this.#deps = deps;
  }

  /** Writes the run's record (`create`) and hands it on (`launch`) within both bounds; else 429 and no record. */
  async admit(repos: TenantRepositories, create: () => Promise<RunRecord>, launch: (run: RunRecord) => Promise<void>): Promise<RunRecord> {
    const { queue, limits } = this.#deps;
    await this.#checkQueue();
    this.#inFlight++;
    try {
      const max = limits.tenantMaxActiveRuns;
      const run = await this.#inTurn(repos.tenantId, async () => {
        if ((await repos.runs.countActive()) >= max) throw tenantLimit(max);
        return create();
      });
      // Past the bound now only through another process's start (this one's wait their turn and
      // refuse before writing): the recount need not hold up the tenant's next start here.
      if ((await repos.runs.countActive()) > max) {
        await repos.runs.discardRefused(run.id);
        throw tenantLimit(max);
      }
      await launch(run);
      // Other processes enqueue at the same time: past the bound, the run is taken back unless a
      // process took it already (then it is running, not waiting).
      if (queue && (await queue.waitingCount()) > limits.maxQueuedRuns && (await queue.withdraw(run.id))) {
        await repos.runs.discardRefused(run.id);
        throw queueFull();
      }
      return run;
    } finally {
      this.#inFlight--;
    }
  }

  async #checkQueue(): Promise<void> {
    const { runtime, queue, limits } = this.#deps;
    if (queue) {
      if ((await queue.waitingCount()) + this.#inFlight >= limits.maxQueuedRuns) throw queueFull();
    } else if (!runtime.hasRoomFor(this.#inFlight + 1)) {
      throw queueFull();
    }
  }

  /** Runs `admit` after the tenant's earlier starts in this process are admitted or refused. */
  async #inTurn<T>(tenantId: string, admit: () => Promise<T>): Promise<T> {
    const before = this.#tenantTurns.get(tenantId);
    const { promise: mine, resolve: done } = Promise.withResolvers<void>();
    this.#tenantTurns.set(tenantId, mine);
    try {
      await before;
      return await admit();
    } finally {
      done();
      if (this.#tenantTurns.get(tenantId) === mine) this.#tenantTurns.delete(tenantId);
    }
  }
}
