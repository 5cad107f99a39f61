import type { EventLog } from '../events/event-log.ts';
import type { ClaimForResumeOptions, RunOwnership } from '../domain/run-ownership.ts';
import type { Logger } from '../logging/logger.ts';
import type { RunRuntime } from './run-runtime.ts';

// The process host's contract (process-host.ts re-exports it): what it is given — its lease
// timings, the runtime, the sweep's extra work — and what it asks of whoever resumes the lost
// runs it finds (run-resumption.ts). The host's own file is its behaviour only.

export interface LeaseTimings {
  /** How often this process renews its lease (and polls cancels asked of its runs). */
  heartbeatMs: number;
  /** A process whose heartbeat is older than this has lapsed: its runs fail "owner lost". */
  leaseMs: number;
  /** How often this process looks for lapsed runs. */
  sweepMs: number;
}

/** What became of a lost run offered for resuming: taken (resumed, or another process won it), or to be ended with `error`. */
export type ResumeDecision = { taken: true } | { taken: false; error: string };

/** A live run as the host finds it lost. */
export interface LostRun {
  id: number;
  tenantId: string;
}

export interface ProcessHostDeps {
  runtime: RunRuntime;
  ownership: RunOwnership;
  eventLog: EventLog;
  logger: Logger;
  timings: LeaseTimings;
  /** Whether runs wait in a shared queue, created without an owner until a process takes them. */
  queueing: boolean;
  /** Whether an unowned live run still waits in the run queue (it is not left over then). */
  isQueued(runId: number): Promise<boolean>;
  /**
   * Offered every lost run before it is ended (durable runs): resumes it here when its policy
   * allows. Absent: lost runs are ended, as without checkpoints.
   */
  resume?(run: LostRun, from: string | null, reason: string, claim?: ClaimForResumeOptions): Promise<ResumeDecision>;
  /**
   * Every process of this database runs on this host (SQLite): at start-up, a registered process
   * of this host whose pid is gone is lapsed at once, so its runs are taken over without waiting
   * out its lease (a restart after kill -9 resumes them straight away).
   */
  singleHost?: boolean;
  /** Ends the runs that waited for a human past HUMAN_INPUT_TIMEOUT_MS (claimed, so once across processes); run by every sweep. */
  expireWaiting?(): Promise<number>;
  /** Starts the runs enqueued behind their thread whose turn came (released by compare-and-set, so once); run by every sweep. */
  startEnqueued?(): Promise<number>;
}
