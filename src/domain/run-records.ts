export const runStatuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const terminalStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface RunRecord {
  id: number;
  tenantId: string;
  hierarchyId: string;
  task: string;
  status: RunStatus;
  result: string | null;
  error: string | null;
  statistics: Record<string, unknown> | null;
  topologySnapshot: Record<string, unknown> | null;
  /** The OpenTelemetry trace of the run; null when tracing was off (or it never ran). */
  traceId: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
  /** The process executing it (its lease holder); null while queued or when ended by a pre-lease version. */
  owner: string | null;
}

export interface RunOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  result?: string | null;
  error?: string | null;
  statistics?: Record<string, unknown> | null;
}
