import { createActor, type Actor } from 'xstate';
import { runMachine, type RunPersistence } from './run-machine.ts';
import { describeActor, type ActorNode } from './actor-tree.ts';
import type { RunPlan } from './run-plan.ts';
import { RunEventWriter } from '../events/run-event-writer.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import type { Logger } from '../logging/logger.ts';
import { UnavailableError } from '../errors/app-error.ts';

export interface RuntimeDeps {
  eventLog: EventLog;
  /** How runs of one tenant record their progress. */
  persistenceFor(tenantId: string): RunPersistence;
  logger: Logger;
}

interface LiveRun {
  tenantId: string;
  actor: Actor<typeof runMachine>;
  done: Promise<RunOutcome>;
}

/**
 * The runs this process executes. Its directory (run id → run actor) serves cancel and inspect
 * only: events never pass through it, they travel inside each run's own actor system.
 */
export class RunRuntime {
  readonly #deps: RuntimeDeps;
  readonly #directory = new Map<number, LiveRun>();
  #accepting = true;

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
  }

  /** False once shutdown began: no new run may start then (it could not record its end). */
  get accepting(): boolean {
    return this.#accepting;
  }

  start(plan: RunPlan): Promise<RunOutcome> {
    if (!this.#accepting) throw new UnavailableError('the service is shutting down; no new run can start', 'SHUTTING_DOWN');
    const { logger } = this.#deps;
    const writer = new RunEventWriter(plan.runId, this.#deps.eventLog, (err, lost) => {
      logger.error('events of a run could not be stored', { run_id: plan.runId, lost, error: err.message });
    });
    const actor = createActor(runMachine, {
      systemId: `run:${plan.runId}`,
      input: { plan, writer, persistence: this.#deps.persistenceFor(plan.tenantId) },
    });
    const done = new Promise<RunOutcome>((resolve, reject) => {
      actor.subscribe({
        complete: () => {
          this.#directory.delete(plan.runId);
          const snapshot = actor.getSnapshot();
          if (snapshot.context.finaliseError) {
            logger.error('run could not be finalised', { run_id: plan.runId, error: snapshot.context.finaliseError });
          }
          if (writer.droppedCount > 0) logger.debug('events dropped after the run ended', { run_id: plan.runId, dropped: writer.droppedCount });
          resolve(snapshot.output!);
        },
        error: (err) => {
          this.#directory.delete(plan.runId);
          logger.error('run actor crashed', { run_id: plan.runId, error: String(err) });
          reject(err);
        },
      });
    });
    // Observed here so an actor crash is reported (above) and never an unhandled rejection.
    done.catch(() => {});
    this.#directory.set(plan.runId, { tenantId: plan.tenantId, actor, done });
    actor.start();
    return done;
  }

  /** Sends CANCEL to that run's actor only. False when this process is not running it for the tenant. */
  cancel(tenantId: string, runId: number): boolean {
    const live = this.#directory.get(runId);
    if (!live || live.tenantId !== tenantId) return false;
    live.actor.send({ type: 'CANCEL' });
    return true;
  }

  /** The live actor tree of a run, or null when this process is not running it for the tenant. */
  inspect(tenantId: string, runId: number): ActorNode | null {
    const live = this.#directory.get(runId);
    if (!live || live.tenantId !== tenantId) return null;
    return describeActor(`run:${runId}`, live.actor);
  }

  isLive(tenantId: string, runId: number): boolean {
    return this.#directory.get(runId)?.tenantId === tenantId;
  }

  /** Resolves when the run ends (undefined when it is not live here). */
  whenDone(runId: number): Promise<RunOutcome> | undefined {
    return this.#directory.get(runId)?.done;
  }

  get activeCount(): number {
    return this.#directory.size;
  }

  /** Cancels every live run and waits for each to record its end (bounded by `graceMs`). */
  async shutdown(graceMs: number): Promise<void> {
    this.#accepting = false;
    const runs = [...this.#directory.values()];
    for (const run of runs) run.actor.send({ type: 'CANCEL' });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled(runs.map((r) => r.done)), deadline]);
    clearTimeout(timer);
    for (const run of this.#directory.values()) run.actor.stop();
  }
}
