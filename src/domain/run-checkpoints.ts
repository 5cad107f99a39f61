/** A run's last checkpoint: its actor tree's persisted snapshot, from which another process resumes it. */
export interface RunCheckpoint {
  runId: number;
  /** The last event sequence the snapshot covers. */
  sequence: number;
  /** The persisted snapshot (XState getPersistedSnapshot) as JSON text, stored byte for byte. */
  snapshot: string;
  /** UTF-8 size of `snapshot`. */
  bytes: number;
  savedAt: Date;
}

/** One checkpoint per run (overwritten), across tenants (a job of the process host, like RunOwnership). */
export interface RunCheckpoints {
  /**
   * Overwrites the run's checkpoint, only while `processId` owns the live run (status
   * pending/running): false otherwise (fencing: a stale owner cannot overwrite the new owner's).
   * `sequence`: the last event sequence the snapshot covers.
   */
  save(runId: number, processId: string, sequence: number, snapshot: string, at: Date): Promise<boolean>;
  load(runId: number): Promise<RunCheckpoint | null>;
  delete(runIds: readonly number[]): Promise<void>;
}
