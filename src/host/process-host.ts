import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClaimForResumeOptions } from '../domain/run-ownership.ts';
import { endLostRun } from './lost-run-ending.ts';
import { goneProcessesOfThisHost } from './gone-processes.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import { OWNER_LOST } from './run-runtime.ts';
import type { LostRun, ProcessHostDeps } from './process-host-deps.ts';

export type { LeaseTimings, LostRun, ProcessHostDeps, ResumeDecision } from './process-host-deps.ts';

function newProcessId(): string {
  return `${hostname().slice(0, 32)}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/**
 * This process as one of several serving a database: it holds a lease by heartbeat, owns the
 * runs it executes, ends the runs of processes whose lease lapsed, and stops (without writing)
 * its own runs when it finds its lease lapsed — e.g. after being frozen — since by then
 * another process may have ended them.
 */
export class ProcessHost {
  readonly #deps: ProcessHostDeps;
  #processId = newProcessId();
  #lastRenewal = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  #started = false;
  readonly #identityListeners: Array<() => Promise<void>> = [];
  /** Runs whose job lock lapsed and whose resume failed here: no lease lapses for them, so each sweep tries again. */
  readonly #lockLostRetries = new Set<number>();

  constructor(deps: ProcessHostDeps) {
    this.#deps = deps;
  }

  /** Called after the process registered anew under another id (its lease had lapsed). */
  onNewIdentity(listener: () => Promise<void>): void {
    this.#identityListeners.push(listener);
  }

  /** False when the lease has not been renewed within LEASE_MS (others may be ending this process's runs). */
  get leaseHeld(): boolean {
    return !this.#started || Date.now() - this.#lastRenewal <= this.#deps.timings.leaseMs;
  }

  /** How often this process renews its lease and picks up requests left for it in the database. */
  get heartbeatMs(): number {
    return this.#deps.timings.heartbeatMs;
  }

  /** Changes when the lease lapsed and the process registered again. */
  get processId(): string {
    return this.#processId;
  }

  /** Registers the process and starts its heartbeat and sweep (once; later calls do nothing). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#register();
    this.#loop(this.#deps.timings.heartbeatMs, () => this.#heartbeat());
    this.#loop(this.#deps.timings.sweepMs, async () => { await this.sweep(); });
  }

  stillOwned(runId: number): Promise<boolean> {
    return this.#deps.ownership.owns(runId, this.#processId);
  }

  /**
   * Start-up recovery: the runs of lapsed processes (as every sweep), plus live runs nobody owns
   * that are not waiting in the queue (left by a version without leases). A run owned by a live
   * process is never touched.
   */
  async recover(): Promise<{ interrupted: number; recorded: number; ownerLost: number; resumed: number }> {
    if (this.#deps.singleHost) await this.#forgetGoneProcesses();
    const swept = await this.#sweep();
    const ownerLost = swept.ended;
    let resumed = swept.resumed;
    let interrupted = 0;
    let recorded = 0;
    const { ownership, timings } = this.#deps;
    // With a queue, a run is created unowned just before its job is added: a young one is left be.
    const createdBefore = new Date(Date.now() - (this.#deps.queueing ? timings.leaseMs : 0));
    for (const run of await ownership.unownedRuns(createdBefore)) {
      if (await this.#deps.isQueued(run.id)) continue;
      const ended = await this.#takeOver(run, null, 'interrupted', 'the process executing the run stopped before it ended');
      // 'retry': offered again by the next start (it stays unowned).
      if (ended === 'resumed') resumed++;
      else if (ended === 'retry' || ended === null) continue;
      else if (ended.error === 'interrupted') interrupted++;
      else recorded++;
    }
    return { interrupted, recorded, ownerLost, resumed };
  }

  /** Deregisters this host's processes whose pid is gone: their runs are lapsed from now on. */
  async #forgetGoneProcesses(): Promise<void> {
    for (const { p, pid } of goneProcessesOfThisHost(await this.#deps.ownership.processes(), this.#processId)) {
      this.#deps.logger.warn('a process of this host is gone: its runs are taken over now', { process_id: p.id, pid });
      await this.#deps.ownership.deregister(p.id);
    }
  }

  /** Resumes (or ends) every run whose owner's lease lapsed, and every run handed on by a process that shut down. Returns how many were ended. */
  async sweep(): Promise<number> {
    return (await this.#sweep()).ended;
  }

  async #sweep(): Promise<{ ended: number; resumed: number }> {
    const { ownership, logger, timings } = this.#deps;
    let ended = 0;
    let resumed = 0;
    for (const runId of [...this.#lockLostRetries]) {
      this.#lockLostRetries.delete(runId);
      if (await this.endLockLost(runId)) resumed++;
    }
    const lost = [
      ...(await ownership.lapsedRuns(new Date(), timings.leaseMs, 500))
        .map((run) => ({ run, from: run.owner, reason: `the lease of process ${run.owner} lapsed while it executed the run` })),
      ...(this.#deps.resume ? await ownership.handedOffRuns(500) : [])
        .map((run) => ({ run, from: null, reason: 'a process that shut down handed the run on' })),
    ];
    for (const { run, from, reason } of lost) {
      const outcome = await this.#takeOver(run, from, OWNER_LOST, reason);
      // 'retry': still lapsed (or handed off), so the next sweep offers it again.
      if (outcome === 'resumed') {
        resumed++;
      } else if (outcome && outcome !== 'retry') {
        ended++;
        logger.warn('ended a run whose owner lapsed', { run_id: run.id, lapsed_owner: from, status: outcome.status });
      }
    }
    if (this.#deps.expireWaiting) ended += await this.#deps.expireWaiting();
    if (this.#deps.startEnqueued) await this.#deps.startEnqueued();
    return { ended, resumed };
  }

  /**
   * A run whose lease in Redis (its job lock) lapsed: its owner may be alive but cut off, so it is
   * taken from that owner like a lapsed one; the owner is fenced off by its next append. When this
   * process is the owner it stops the run here first, so its own writer cannot race the end.
   */
  async endLockLost(runId: number): Promise<boolean> {
    const { ownership, runtime, logger } = this.#deps;
    const run = await ownership.liveRun(runId);
    const owner = run?.owner;
    if (!run || owner === null || owner === undefined) return false;
    // Another process took the run already (this one's stall notice came late): a copy still live
    // here is stale, and stops now rather than at its next refused append.
    if (owner !== this.#processId) runtime.abandon(runId);
    // A resumed run is executed under no job: the stalled job was its earlier owner's, whose loss
    // was handled by that resume. Every process hears of the stall, often after the resume: the
    // process that resumed the run must not be taken for the one whose lock lapsed.
    if ((await ownership.resumesOf(runId)).at(-1)?.to_process === owner) return false;
    if (owner === this.#processId) runtime.abandon(runId);
    // That look and the claim are apart: the owner may resume the run in between (hearing of the
    // same stall), so the claim itself refuses a history that ends in a resume to the owner.
    const outcome = await this.#takeOver(run, owner, OWNER_LOST, `the job lock of process ${owner} lapsed while it executed the run`, { unlessResumedTo: owner });
    if (outcome === 'retry') {
      this.#lockLostRetries.add(runId);
      return false;
    }
    if (outcome && outcome !== 'resumed') logger.warn('ended a run whose job lock lapsed', { run_id: runId, lapsed_owner: owner, status: outcome.status });
    return outcome !== null;
  }

  /**
   * Claims the run from `from` (exactly one process wins) and ends it. If ending fails (the log
   * or database is down), the claim is handed back so a later sweep tries again: a run claimed
   * by a live process is no longer lapsed, and would otherwise stay live for ever.
   */
  /** 'retry': it could not be resumed now (an error); null: another process has it, or ending it failed (handed back). */
  async #takeOver(run: LostRun, from: string | null, error: string, reason: string, claim?: ClaimForResumeOptions): Promise<RunOutcome | 'resumed' | 'retry' | null> {
    const { ownership, eventLog, logger, resume } = this.#deps;
    const runId = run.id;
    if (resume) {
      // Durable runs: resumed here when it can be; a refusal says what its end says (a run left by
      // a version without leases keeps its own "interrupted").
      try {
        const decision = await resume(run, from, reason, claim);
        if (decision.taken) return 'resumed';
        if (decision.error !== OWNER_LOST) error = decision.error;
      } catch (err) {
        // Not resumable now (the database is down): a later sweep offers it again.
        logger.error('could not resume a lost run; a later sweep tries again', { run_id: runId, error: String(err) });
        return 'retry';
      }
    }
    if (!(await ownership.claim(runId, from, this.#processId))) return null;
    try {
      return await endLostRun({ eventLog, ownership, processId: this.#processId, runId, error, reason });
    } catch (err) {
      logger.error('could not end a lost run; handing it back for a later sweep', { run_id: runId, error: String(err) });
      await ownership.claim(runId, this.#processId, from);
      return null;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    // Runs still live here (past the shutdown grace) become lapsed at once, for others to end.
    await this.#deps.ownership.deregister(this.#processId);
  }

  async #register(): Promise<void> {
    const now = new Date();
    await this.#deps.ownership.register(this.#processId, `${hostname()}:${process.pid}`, now);
    this.#lastRenewal = now.getTime();
  }

  async #heartbeat(): Promise<void> {
    const { ownership, runtime, logger, timings } = this.#deps;
    const now = new Date();
    let renewed: boolean;
    try {
      renewed = await ownership.heartbeat(this.#processId, now, timings.leaseMs);
    } catch (err) {
      // The database cannot be reached: past the lease, others may have ended our runs.
      logger.error('lease could not be renewed', { process_id: this.#processId, error: String(err) });
      renewed = Date.now() - this.#lastRenewal <= timings.leaseMs;
      if (renewed) return;
    }
    if (renewed) {
      this.#lastRenewal = now.getTime();
      await this.#pollCancels();
      return;
    }
    logger.error('lease lapsed: stopping this process\'s runs without writing, registering anew', {
      process_id: this.#processId, since_ms: Date.now() - this.#lastRenewal,
    });
    for (const runId of runtime.liveRunIds()) runtime.abandon(runId);
    this.#processId = newProcessId();
    await this.#register();
    for (const listener of this.#identityListeners) await listener();
  }

  /** Cancels and inspections asked (by processes without a channel to this one) of runs executing here. */
  async #pollCancels(): Promise<void> {
    const { ownership, runtime } = this.#deps;
    for (const run of await ownership.cancelRequests(this.#processId)) runtime.cancel(run.tenantId, run.id);
    // Requests for single agents: their effect is recorded in the run's log, where the asker reads it.
    for (const run of await ownership.takeAgentRequests(this.#processId)) {
      for (const request of run.requests) {
        runtime.controlAgent(run.tenantId, run.id, request, 0)?.catch((err: unknown) =>
          this.#deps.logger.error('agent request failed', { run_id: run.id, error: String(err) }));
      }
    }
    for (const run of await ownership.inspectRequests(this.#processId)) {
      const tree = runtime.inspect(run.tenantId, run.id);
      if (tree) await ownership.publishTree(run.id, this.#processId, tree as unknown as Record<string, unknown>, new Date());
    }
  }

  /** A timer chain (never overlapping ticks); a failing tick is logged and the chain goes on. */
  #loop(everyMs: number, tick: () => Promise<void>): void {
    const next = () => {
      if (this.#stopped) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        tick().catch((err: unknown) => this.#deps.logger.error('process host task failed', { error: String(err) })).finally(next);
      }, everyMs);
      this.#timers.add(timer);
    };
    next();
  }
}
