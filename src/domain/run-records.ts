import type { Budget } from './budget-schemas.ts';
import type { PendingInput } from './human-input.ts';

/** `waiting_input`: parked until a human answers (no process executes it; see human-input.ts). */
export const runStatuses = ['pending', 'running', 'waiting_input', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const terminalStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface RunRecord {
  id: number;
  tenantId: string;
  hierarchyId: string;
  /** The thread the run belongs to; null when started on its own. */
  threadId: string | null;
  /** Started with multitask_strategy enqueue: waits for the thread's earlier runs to end (pending, unowned) until a sweep starts it. */
  threadQueued: boolean;
  task: string;
  status: RunStatus;
  result: string | null;
  error: string | null;
  /** Why it failed, as a code (`budget_exhausted`); null otherwise. */
  errorCode: string | null;
  /** The run's own budget from runs/start (null: its hierarchy's applies). */
  budget: Budget | null;
  /** The client's labels for the run (runs/start `metadata`; an A2A message's id and metadata); null: none. */
  metadata: Record<string, unknown> | null;
  statistics: Record<string, unknown> | null;
  topologySnapshot: Record<string, unknown> | null;
  /** The OpenTelemetry trace of the run; null when tracing was off (or it never ran). */
  traceId: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  /** The process executing it (its lease holder); null while queued or when ended by a pre-lease version. */
  owner: string | null;
  /** Each time the run was resumed from its checkpoint by another process, oldest first (empty: never). */
  resumes: ResumeEntry[];
  /** The requests a run waiting for a human has open (empty unless status is waiting_input). */
  pendingInputs: PendingInput[];
  /** Since when it waits for a human (null unless waiting_input). */
  waitingSince: Date | null;
}

/** One resume of a run: which process took it over from which, and from how far. */
export interface ResumeEntry {
  /** ISO time of the takeover. */
  at: string;
  /** The process that lost or handed off the run (null: it had no owner, e.g. handed off). */
  from_process: string | null;
  to_process: string;
  /** Why, e.g. 'owner lost' or 'handed off'. */
  reason: string;
  /** The checkpoint's event sequence it resumed from; null: no checkpoint (started over). */
  checkpoint_sequence: number | null;
}

export interface RunOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  result?: string | null;
  error?: string | null;
  /** A failed run's error code (`budget_exhausted`). */
  errorCode?: string | null;
  statistics?: Record<string, unknown> | null;
}
