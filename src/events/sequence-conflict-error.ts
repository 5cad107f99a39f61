/**
 * An append was refused because one of its sequences already exists in the run's log, or is
 * not above the last stored sequence: another writer (a stale owner of the run, or a retry of
 * a batch that was in fact stored) got there first. Nothing of the batch was stored; other
 * runs' batches are unaffected. Retrying the same batch can never succeed.
 */
export class SequenceConflictError extends Error {
  readonly runId: number;

  constructor(runId: number, message = `run ${runId}: the batch's sequences are not above the run's last stored event`, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SequenceConflictError';
    this.runId = runId;
  }
}
