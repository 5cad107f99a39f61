import { createActor, type Actor } from 'xstate';
import { runMachine, type RunPersistence } from '../actors/run-machine.ts';
import { describeActor, type ActorNode } from '../actors/actor-tree.ts';
import type { RunPlan } from '../actors/run-plan.ts';
import { RunEventWriter } from '../events/run-event-writer.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import type { Logger } from '../logging/logger.ts';
import { UnavailableError } from '../errors/app-error.ts';
import { noTelemetry, type Telemetry } from '../telemetry/run-telemetry.ts';

export interface RuntimeDeps {
  eventLog: EventLog;
  /** How runs of one tenant record their progress. */
  persistenceFor(tenantId: string): RunPersistence;
  logger: Logger;
  /** Runs executing at once; further runs wait (status `pending`) in start order. Default 100. */
  maxConcurrentRuns?: number;
  /** Runs that may wait for a slot at once (MAX_QUEUED_RUNS); see hasRoomFor. Default 1000. */
  maxQueuedRuns?: number;
  /** Metrics and traces of each run (none when absent). */
  telemetry?: Telemetry;
  /**
   * Asked when one of a run's appends fails: does this process still own it? When not, the run
   * is stopped here without writing anything more (another process ended it). Absent: always.
   */
  stillOwned?(runId: number): Promise<boolean>;
}

interface LiveRun {
  plan: RunPlan;
  /** Null while the run waits for a slot. */
  actor: Actor<typeof runMachine> | null;
  cancelRequested: boolean;
  /** Whether it occupies one of the concurrency slots (a run cancelled while queued does not). */
  holdsSlot: boolean;
  done: Promise<RunOutcome>;
  settle: { resolve(outcome: RunOutcome): void; reject(err: unknown): void };
  writer: RunEventWriter | null;
  /** Set once the run left the directory (ended, crashed or abandoned): later callbacks are no-ops. */
  released: boolean;
}

/** The outcome a process reports for a run it lost: another process recorded its real end. */
export const OWNER_LOST = 'owner lost';

/**
 * The runs this process executes or has queued. Its directory (run id → run actor) serves
 * cancel and inspect only: events never pass through it, they travel inside each run's own
 * actor system. At most `maxConcurrentRuns` execute at once, so a burst of starts queues
 * instead of starving every run of CPU.
 */
export class RunRuntime {
  readonly #deps: RuntimeDeps;
  readonly #directory = new Map<number, LiveRun>();
  readonly #queue: number[] = [];
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  #executing = 0;
  #accepting = true;

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
    this.#maxConcurrent = Math.max(1, deps.maxConcurrentRuns ?? 100);
    this.#maxQueued = Math.max(0, deps.maxQueuedRuns ?? 1000);
  }

  /** False once shutdown began: no new run may start then (it could not record its end). */
  get accepting(): boolean {
    return this.#accepting;
  }

  /**
   * Whether `more` runs can still be taken: each would execute at once or wait within the queue's
   * bound. Asked before a run is accepted (start itself never refuses: a run taken from the
   * shared queue is bounded by the worker's concurrency).
   */
  hasRoomFor(more: number): boolean {
    return this.#directory.size + more <= this.#maxConcurrent + this.#maxQueued;
  }

  /** Starts the run now, or queues it until a slot frees. Resolves with its outcome. */
  start(plan: RunPlan): Promise<RunOutcome> {
    if (!this.#accepting) throw new UnavailableError('the service is shutting down; no new run can start', 'SHUTTING_DOWN');
    const { promise, resolve, reject } = Promise.withResolvers<RunOutcome>();
    // Observed here so a crash is reported (in #launch) and never an unhandled rejection.
    promise.catch(() => {});
    const entry: LiveRun = {
      plan, actor: null, cancelRequested: false, holdsSlot: false, done: promise, settle: { resolve, reject }, writer: null, released: false,
    };
    this.#directory.set(plan.runId, entry);
    if (this.#executing < this.#maxConcurrent) this.#launch(entry);
    else this.#queue.push(plan.runId);
    return promise;
  }

  #launch(entry: LiveRun): void {
    const { plan } = entry;
    const { logger } = this.#deps;
    const release = () => {
      entry.released = true;
      this.#directory.delete(plan.runId);
      if (entry.holdsSlot) this.#executing--;
      entry.holdsSlot = false;
    };
    try {
      const { stillOwned } = this.#deps;
      const fence = stillOwned && { stillOwned: () => stillOwned(plan.runId), onLost: () => this.abandon(plan.runId) };
      const writer = new RunEventWriter(plan.runId, this.#deps.eventLog, (err, lost) => {
        logger.error('events of a run could not be stored', { run_id: plan.runId, lost, error: err.message });
      }, 1, fence || undefined);
      entry.writer = writer;
      const actor = createActor(runMachine, {
        systemId: `run:${plan.runId}`,
        input: {
          plan, writer, persistence: this.#deps.persistenceFor(plan.tenantId), cancelledBeforeStart: entry.cancelRequested,
          telemetry: (this.#deps.telemetry ?? noTelemetry).forRun(plan),
          warn: (message) => logger.warn(message, { run_id: plan.runId }),
        },
      });
      actor.subscribe({
        complete: () => {
          if (entry.released) return;
          const snapshot = actor.getSnapshot();
          if (snapshot.context.finaliseError) {
            logger.error('run could not be finalised', { run_id: plan.runId, error: snapshot.context.finaliseError });
          }
          if (writer.droppedCount > 0) logger.debug('events dropped after the run ended', { run_id: plan.runId, dropped: writer.droppedCount });
          release();
          entry.settle.resolve(snapshot.output!);
          this.#launchNext();
        },
        error: (err) => {
          if (entry.released) return;
          logger.error('run actor crashed', { run_id: plan.runId, error: String(err) });
          release();
          entry.settle.reject(err);
          this.#launchNext();
        },
      });
      entry.actor = actor;
      // A run cancelled while queued ends at once and must not take a waiting run's slot.
      entry.holdsSlot = !entry.cancelRequested;
      if (entry.holdsSlot) this.#executing++;
      actor.start();
    } catch (err) {
      logger.error('run could not be started', { run_id: plan.runId, error: String(err) });
      release();
      entry.settle.reject(err);
    }
  }

  #launchNext(): void {
    while (this.#executing < this.#maxConcurrent && this.#queue.length > 0) {
      const entry = this.#directory.get(this.#queue.shift()!);
      if (entry && !entry.actor) this.#launch(entry);
    }
  }

  /**
   * Sends CANCEL to that run's actor only. A queued run is started already cancelled, so it
   * records its end and streams its terminal event like any other. False when this process
   * is not running it for the tenant.
   */
  cancel(tenantId: string, runId: number): boolean {
    const entry = this.#directory.get(runId);
    if (!entry || entry.plan.tenantId !== tenantId) return false;
    if (entry.actor) {
      entry.actor.send({ type: 'CANCEL' });
      return true;
    }
    entry.cancelRequested = true;
    const queued = this.#queue.indexOf(runId);
    if (queued >= 0) this.#queue.splice(queued, 1);
    this.#launch(entry); // without taking a slot: it ends at once
    return true;
  }

  /**
   * Stops a run this process lost (its lease lapsed and another process ended it, or it was
   * taken over): nothing more of it is written here — not an event, not its end. Its `done`
   * resolves `failed` "owner lost", which is what the other process recorded.
   */
  abandon(runId: number): boolean {
    const entry = this.#directory.get(runId);
    if (!entry || entry.released) return false;
    this.#deps.logger.warn('run lost to another process; stopped here without writing', { run_id: runId });
    entry.writer?.close();
    entry.released = true;
    this.#directory.delete(runId);
    const queued = this.#queue.indexOf(runId);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (entry.holdsSlot) this.#executing--;
    entry.holdsSlot = false;
    entry.actor?.stop();
    entry.settle.resolve({ status: 'failed', error: OWNER_LOST });
    this.#launchNext();
    return true;
  }

  /** Ids of the runs executing or queued here. */
  liveRunIds(): number[] {
    return [...this.#directory.keys()];
  }

  /** The live actor tree of a run (a bare `queued` node while it waits), or null when not here. */
  inspect(tenantId: string, runId: number): ActorNode | null {
    const entry = this.#directory.get(runId);
    if (!entry || entry.plan.tenantId !== tenantId) return null;
    if (entry.actor) return describeActor(`run:${runId}`, entry.actor);
    const position = this.#queue.indexOf(runId) + 1;
    return { id: `run:${runId}`, kind: 'run', status: 'queued', state: { queued: position }, children: [] };
  }

  isLive(tenantId: string, runId: number): boolean {
    return this.#directory.get(runId)?.plan.tenantId === tenantId;
  }

  /** Resolves when the run ends (undefined when it is not live here). */
  whenDone(runId: number): Promise<RunOutcome> | undefined {
    return this.#directory.get(runId)?.done;
  }

  /** Runs executing or queued. */
  get activeCount(): number {
    return this.#directory.size;
  }

  get queuedCount(): number {
    return this.#queue.length;
  }

  /** Cancels every run (queued ones too) and waits for each to record its end (bounded by `graceMs`). */
  async shutdown(graceMs: number): Promise<void> {
    this.#accepting = false;
    const runs = [...this.#directory.values()];
    for (const run of runs) this.cancel(run.plan.tenantId, run.plan.runId);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled(runs.map((r) => r.done)), deadline]);
    clearTimeout(timer);
    for (const run of this.#directory.values()) run.actor?.stop();
  }
}
