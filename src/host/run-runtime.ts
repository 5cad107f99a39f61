import { describeActor, type ActorNode } from '../actors/actor-tree.ts';
import type { RunLaunch, RunRestore, RuntimeDeps } from './run-launch.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import { UnavailableError } from '../errors/app-error.ts';
import { createRunActor } from './run-actor.ts';
import { checkpointAwaitsHuman } from '../actors/human-input.ts';
import { deliverHumanResponse, parkRun } from './run-parking.ts';
import { handOffRuns, untilOrDeadline } from './run-hand-off.ts';
import type { LiveRun } from './live-run.ts';
import { OWNER_LOST } from './run-outcomes.ts';
import { controlAgent, type AgentAnswer, type AgentRequest } from './agent-control.ts';
import { RunInspection } from './run-inspection.ts';
import type { InspectionListener } from '../domain/inspection-schemas.ts';

export type { RunLaunch, RunRestore, RuntimeDeps } from './run-launch.ts';
export { HANDED_BACK, HANDED_OFF, OWNER_LOST } from './run-outcomes.ts';

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
  start(launch: RunLaunch): Promise<RunOutcome> {
    return this.#admit(launch, null);
  }

  /**
   * Continues a run another process lost (or handed on), which this process has claimed: from its
   * checkpoint when it has one — settled work is not done again, calls in flight are issued anew
   * (see resume-preparation.ts) — with its events continuing right after the last stored one.
   */
  resume(launch: RunLaunch, restore: RunRestore): Promise<RunOutcome> {
    return this.#admit(launch, restore);
  }

  #admit(launch: RunLaunch, restore: RunRestore | null): Promise<RunOutcome> {
    if (!this.#accepting) throw new UnavailableError('the service is shutting down; no new run can start', 'SHUTTING_DOWN');
    const { plan } = launch;
    const { promise, resolve, reject } = Promise.withResolvers<RunOutcome>();
    // Observed here so a crash is reported (in #launch) and never an unhandled rejection.
    promise.catch(() => {});
    const entry: LiveRun = {
      plan, launch, restore, actor: null, cancelRequested: false, holdsSlot: false, done: promise, settle: { resolve, reject }, writer: null, released: false,
      humanAsked: restore?.snapshot ? checkpointAwaitsHuman(restore.snapshot) : false, parking: false, inspection: null,
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
      entry.inspection?.end();
      this.#directory.delete(plan.runId);
      if (entry.holdsSlot) this.#executing--;
      entry.holdsSlot = false;
    };
    try {
      const { actor, writer } = createRunActor(this.#deps, entry.launch, entry.restore, entry.cancelRequested, {
        onLost: () => this.abandon(plan.runId),
        onHumanRequest: () => { entry.humanAsked = true; },
        // A settled step of a run some call of which waits for a human: maybe nothing else works now.
        onCheckpointTaken: () => { if (entry.humanAsked) this.#parkWhenWaiting(entry); },
      });
      entry.writer = writer;
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
      entry.inspection?.attach(actor);
      // A run cancelled while queued ends at once and must not take a waiting run's slot.
      entry.holdsSlot = !entry.cancelRequested;
      if (entry.holdsSlot) this.#executing++;
      actor.start();
      if (entry.restore?.humanResponse && !deliverHumanResponse(actor, entry.restore.humanResponse)) {
        logger.warn('a human response found no agent to take it', { run_id: plan.runId, agent_id: entry.restore.humanResponse.agentId });
      }
      // Restored waiting for a human (its process was lost before it parked): it may wait for nothing else already.
      if (entry.humanAsked) this.#parkWhenWaiting(entry);
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
    this.#forget(entry);
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

  /**
   * Follows the actor system of a run executing (or queued) here, told its current tree first;
   * null when the run is not here for the tenant. Answers the function that stops following.
   */
  watch(tenantId: string, runId: number, listener: InspectionListener): (() => void) | null {
    const entry = this.#directory.get(runId);
    if (!entry || entry.plan.tenantId !== tenantId) return null;
    entry.inspection ??= new RunInspection(runId, () => [...entry.launch.models.values()].flatMap((m) => m.secrets ?? []),
      (err) => this.#deps.logger.error('run inspection failed', { run_id: runId, error: String(err) }));
    if (entry.actor) entry.inspection.attach(entry.actor);
    return entry.inspection.watch(listener, entry.actor ? null : this.inspect(tenantId, runId));
  }

  /** Who follows the run's actor system now (0: nobody; its system is not observed then). */
  watchers(runId: number): number {
    return this.#directory.get(runId)?.inspection?.listenerCount ?? 0;
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
    await untilOrDeadline(Promise.allSettled(runs.map((r) => r.done)), graceMs);
    for (const run of this.#directory.values()) run.actor?.stop();
  }

  /**
   * A rolling deploy's shutdown: stops taking runs and hands every durable run on instead of
   * cancelling it (runs whose policy is `fail` are cancelled as by `shutdown`); see
   * run-hand-off.ts. `giveUp` releases a run's ownership once it is stopped here. A run whose
   * checkpoint cannot be stored is cancelled instead.
   */
  async handOff(graceMs: number, giveUp: (runId: number) => Promise<void>): Promise<{ handedOff: number[]; handedBack: number[] }> {
    this.#accepting = false;
    const handed = await handOffRuns({
      runs: [...this.#directory.values()], checkpoints: Boolean(this.#deps.saveCheckpoint), logger: this.#deps.logger,
      cancel: (run) => this.cancel(run.plan.tenantId, run.plan.runId),
      forget: (run) => this.#forget(run),
    }, graceMs, giveUp);
    // What could not be handed on (or ended in time) is cancelled, as a plain shutdown does.
    if (this.#directory.size > 0) await this.shutdown(0);
    return handed;
  }

  /** A request for one agent of a run executing (or queued) here; null when the run is not here for the tenant. */
  controlAgent(tenantId: string, runId: number, request: AgentRequest, waitMs: number): Promise<AgentAnswer> | null {
    const entry = this.#directory.get(runId);
    if (!entry || entry.plan.tenantId !== tenantId) return null;
    return controlAgent(entry.actor, request, waitMs);
  }

  /** Takes a run out of the directory (and its slot) without writing anything more of it. */
  #forget(entry: LiveRun): void {
    entry.writer?.close();
    entry.inspection?.end('the run left this process');
    entry.released = true;
    this.#directory.delete(entry.plan.runId);
    const queued = this.#queue.indexOf(entry.plan.runId);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (entry.holdsSlot) this.#executing--;
    entry.holdsSlot = false;
  }

  /** Looks, after this tick, whether the run waits for nothing but people; parks it then. */
  #parkWhenWaiting(entry: LiveRun): void {
    if (entry.parking || entry.released || !this.#deps.parking) return;
    setImmediate(() => {
      this.#park(entry).catch((err: unknown) => this.#deps.logger.error('a run waiting for a human could not be parked', { run_id: entry.plan.runId, error: String(err) }));
    });
  }

  /** Human in the loop: parks the run when it waits for nothing but people (see run-parking.ts); if work began again it goes on. */
  async #park(entry: LiveRun): Promise<void> {
    const { actor, writer } = entry;
    const parking = this.#deps.parking;
    if (!parking || entry.parking || entry.released || !actor || !writer) return;
    entry.parking = true;
    const parked = await parkRun({
      runId: entry.plan.runId, actor, writer,
      forget: () => this.#forget(entry),
      released: () => entry.released,
      freed: () => this.#launchNext(),
      settle: (outcome) => entry.settle.resolve(outcome),
    }, parking, this.#deps.logger);
    if (!parked) entry.parking = false;
  }
}
