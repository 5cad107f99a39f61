import { defineEntity, p } from '@mikro-orm/core';

/**
 * The last checkpoint of a live run (one row per run, overwritten): its actor tree's persisted
 * snapshot (XState getPersistedSnapshot, as JSON), from which another process resumes the run
 * when its owner is lost or hands it off. Written only while the writer owns the run (see
 * run-checkpoint-store.ts); deleted when the run ends or is deleted. Not tenant filtered: a job
 * of the process host, reached by run id.
 */
export const RunCheckpointSchema = defineEntity({
  name: 'RunCheckpoint',
  tableName: 'run_checkpoint',
  properties: {
    runId: p.bigint('number').primary().autoincrement(false),
    /** The last event sequence the snapshot covers: events after it are replayed or re-emitted on resume. */
    sequence: p.integer(),
    /** Several MB for a long run: text is unbounded on PostgreSQL and SQLite, LONGTEXT on MySQL/MariaDB (mysql-server.ts). */
    snapshot: p.text(),
    /** UTF-8 size of `snapshot`, for operators and metrics without reading it. */
    bytes: p.integer(),
    savedAt: p.datetime().length(3),
  },
});

export class RunCheckpoint extends RunCheckpointSchema.class {}
RunCheckpointSchema.setClass(RunCheckpoint);
