import type { ResumeEntry, RunOutcome } from './run-records.ts';
import type { AgentRequest } from './agent-requests.ts';

export interface OwnedRun {
  id: number;
  tenantId: string;
  owner: string | null;
  status: 'pending' | 'running';
}

/**
 * Who executes which run, across every process serving one database. A process holds a lease
 * by heartbeat; each run names its owner. Every change here is a conditional write, so two
 * processes racing for one run cannot both win, and a stale owner (its lease lapsed, its run
 * taken over) can no longer record anything of the run. Deliberately across tenants: these are
 * jobs of the process host, not requests.
 */
/** How a claim for resume is fenced beyond the owner it names (see RunOwnership.claimForResume). */
export interface ClaimForResumeOptions {
  /**
   * A process whose resume of the run makes this claim stale: a run whose job lock lapsed is taken
   * from its owner only if that owner is not executing a resume of it (a resumed run runs under
   * no job, so the stalled job was an earlier owner's, whose loss that resume handled).
   */
  unlessResumedTo?: string;
}

export interface RunOwnership {
  /** Registers this process with a fresh heartbeat. */
  register(processId: string, description: string, at: Date): Promise<void>;
  /**
   * Renews the lease. False when it had already lapsed (older than `leaseMs`) or the row is
   * gone: other processes may be taking this process's runs, so it must stop them.
   */
  heartbeat(processId: string, at: Date, leaseMs: number): Promise<boolean>;
  /** Every registered process (lapsed ones included): its id and `host:pid` description. */
  processes(): Promise<Array<{ id: string; description: string }>>;
  /** Removes this process's row (clean shutdown, after its runs ended). */
  deregister(processId: string): Promise<void>;
  /** Takes a queued run (pending, no owner): it becomes this process's, running. */
  take(runId: number, processId: string, at: Date): Promise<boolean>;
  /** Hands a taken run back to the queue's state (pending, no owner) before it began executing. */
  release(runId: number, processId: string): Promise<boolean>;
  /** Marks a run this process owns as running. False when it no longer owns it. */
  /** `traceId`: the run's OpenTelemetry trace, when tracing is on. */
  markRunning(runId: number, processId: string, at: Date, traceId?: string | null): Promise<boolean>;
  /** Records the end of a live run, only while `processId` owns it (fencing). */
  finishOwned(runId: number, processId: string, outcome: RunOutcome, at: Date): Promise<boolean>;
  /** Whether the run's end was recorded while `processId` owned it (finishOwned): it ended there, no one took it. */
  endedOwned(runId: number, processId: string): Promise<boolean>;
  /** The owner of a live run (null: unowned); undefined when the run is not live. */
  liveOwner(runId: number): Promise<string | null | undefined>;
  /** A live run with its tenant and owner; undefined when the run is not live. */
  liveRun(runId: number): Promise<OwnedRun | undefined>;
  /** Whether `processId` still owns the live run. */
  owns(runId: number, processId: string): Promise<boolean>;
  /** Live runs whose owner's lease lapsed (or whose owner row is gone). Runs without an owner are not included. */
  lapsedRuns(at: Date, leaseMs: number, limit: number): Promise<OwnedRun[]>;
  /**
   * Live runs with no owner created before `createdBefore` (queued, or left by a version without
   * leases). Not those with a checkpoint: they were handed off and wait to be resumed (`handedOffRuns`).
   */
  unownedRuns(createdBefore: Date): Promise<OwnedRun[]>;
  /**
   * Runs enqueued behind their thread (multitask_strategy enqueue) whose thread has no older live
   * run any more: due to start, oldest first, at most `limit`.
   */
  enqueuedDue(limit: number): Promise<OwnedRun[]>;
  /** Takes a due enqueued run off its thread's queue (it becomes a queued run); exactly one caller wins. */
  releaseEnqueued(runId: number): Promise<boolean>;
  /** Moves a live run from `from` (null: unowned) to `to`; exactly one caller wins. */
  claim(runId: number, from: string | null, to: string | null): Promise<boolean>;
  /**
   * Like `claim` (only a live run owned by `from`; exactly one caller wins), and the same
   * conditional write appends `entry` to the run's resume history. Returns the new history, or
   * null when another caller won or the run is not live (or not `from`'s). With
   * `unlessResumedTo`, also null when the history's last entry moved the run to that process:
   * checked in the same conditional write, so a claim racing that resume cannot slip in after it.
   */
  claimForResume(runId: number, from: string | null, to: string, entry: ResumeEntry, options?: ClaimForResumeOptions): Promise<ResumeEntry[] | null>;
  /** The run's resume history, oldest first (empty: never resumed, or no such run). */
  resumesOf(runId: number): Promise<ResumeEntry[]>;
  /**
   * A process shutting down gives up a live run it owns without ending it: the owner becomes
   * null, the status stays (running or pending), and its checkpoint waits for another process
   * (`handedOffRuns`). False when it did not own the live run.
   */
  handOff(runId: number, processId: string): Promise<boolean>;
  /**
   * Up to `limit` live runs with no owner that have a checkpoint (oldest first): handed off or
   * left by their owner, waiting to be resumed. Queued runs never started have no checkpoint.
   */
  handedOffRuns(limit: number): Promise<OwnedRun[]>;
  /** Asks the owner of a live run to cancel it (it polls with its heartbeat); false when the run is not live. */
  requestCancel(runId: number, tenantId: string, at: Date): Promise<boolean>;
  /** Live runs of `processId` a cancel was asked for. */
  cancelRequests(processId: string): Promise<Array<{ id: number; tenantId: string }>>;
  /**
   * Leaves a request for one agent of a live run for its owner (it picks them up with its
   * heartbeat: the way without Redis); at most MAX_PENDING_AGENT_REQUESTS wait, the oldest
   * dropped. False when the run is not live (for that tenant).
   */
  requestAgent(runId: number, tenantId: string, request: AgentRequest): Promise<boolean>;
  /** Takes (and clears) the agent requests left for the live runs of `processId`. */
  takeAgentRequests(processId: string): Promise<Array<{ id: number; tenantId: string; requests: AgentRequest[] }>>;
  /** Asks the owner of a live run for its live actor tree (it answers with its heartbeat). */
  requestInspect(runId: number, tenantId: string, at: Date): Promise<boolean>;
  /** Live runs of `processId` whose tree was asked for. */
  inspectRequests(processId: string): Promise<Array<{ id: number; tenantId: string }>>;
  /** The owner's answer: the run's live tree as of `at` (clears the request). */
  publishTree(runId: number, processId: string, tree: Record<string, unknown>, at: Date): Promise<void>;
  /** The last tree an owner published for a run, with when. */
  publishedTree(runId: number, tenantId: string): Promise<{ tree: Record<string, unknown>; at: Date } | null>;
}
