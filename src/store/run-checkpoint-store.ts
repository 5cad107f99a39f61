import { UniqueConstraintViolationException, type EntityManager, type QueryResult } from '@mikro-orm/core';
import { BasePostgreSqlPlatform } from '@mikro-orm/sql';
import type { Orm } from './init-orm.ts';
import { RunCheckpoint } from './entities/index.ts';
import type { RunCheckpoint as RunCheckpointRecord, RunCheckpoints } from '../domain/run-checkpoints.ts';

/**
 * RunCheckpoints on the SQL store. A save is called after every settled step of a run, so it is
 * one statement once the run has a checkpoint: an UPDATE whose WHERE holds the ownership check
 * (the writer must own the live run), so the check and the write cannot be torn apart by a
 * claim between them. The first save of a run inserts with the same check (INSERT … SELECT from
 * the run row); two first saves racing meet the primary key, and the loser updates instead.
 */
export class SqlRunCheckpoints implements RunCheckpoints {
  readonly #orm: Orm;
  readonly #update: string;
  readonly #insert: string;

  /** Where a write statement runs: the SQLite writer thread when there is one (off the main thread), else the ORM's connection. */
  readonly #write: ((sql: string, params: unknown[]) => Promise<number>) | null;

  constructor(orm: Orm, options: { write?: (sql: string, params: unknown[]) => Promise<number> } = {}) {
    this.#orm = orm;
    this.#write = options.write ?? null;
    const platform = orm.em.getPlatform();
    const q = (name: string) => platform.quoteIdentifier(name);
    // PostgreSQL (read committed) would check the owner in the statement's snapshot: a claim
    // committing meanwhile would not stop the stale owner's write. FOR SHARE waits for that claim
    // and checks the row as it committed. InnoDB's UPDATE locks the rows its subquery reads
    // already; SQLite has one writer at a time.
    const lock = platform instanceof BasePostgreSqlPlatform ? ' for share' : '';
    const owned = `select 1 from ${q('execution_run')} where ${q('id')} = ? and ${q('owner')} = ? and ${q('status')} in ('pending', 'running')${lock}`;
    this.#update = `update ${q('run_checkpoint')} set ${q('sequence')} = ?, ${q('snapshot')} = ?, ${q('bytes')} = ?, ${q('saved_at')} = ? `
      + `where ${q('run_id')} = ? and exists (${owned})`;
    this.#insert = `insert into ${q('run_checkpoint')} (${q('run_id')}, ${q('sequence')}, ${q('snapshot')}, ${q('bytes')}, ${q('saved_at')}) `
      + `select ${q('id')}, ?, ?, ?, ? from ${q('execution_run')} where ${q('id')} = ? and ${q('owner')} = ? and ${q('status')} in ('pending', 'running')${lock}`;
  }

  #em(): EntityManager {
    return this.#orm.em.fork();
  }

  async #run(sql: string, params: unknown[]): Promise<number> {
    if (this.#write) return this.#write(sql, params);
    const result = await this.#em().getConnection().execute<QueryResult>(sql, params, 'run');
    return Number(result.affectedRows ?? 0);
  }

  async save(runId: number, processId: string, sequence: number, snapshot: string, at: Date): Promise<boolean> {
    const bytes = Buffer.byteLength(snapshot, 'utf8');
    // Raw SQL skips the ORM's value conversion: dates are stored as the platform stores them (SQLite: epoch ms).
    const savedAt = this.#orm.em.getPlatform().processDateProperty(at);
    const update = () => this.#run(this.#update, [sequence, snapshot, bytes, savedAt, runId, runId, processId]);
    if ((await update()) > 0) return true;
    try {
      // No row yet, or not the owner (then the insert selects nothing either).
      return (await this.#run(this.#insert, [sequence, snapshot, bytes, savedAt, runId, processId])) > 0;
    } catch (err) {
      // Another save of the run inserted first (the same owner's, or a new owner's): update it, fenced as ever.
      // Raw statements bypass the driver's exception conversion, so it is asked here.
      const converted = err instanceof UniqueConstraintViolationException ? err : this.#orm.em.getDriver().convertException(err as Error);
      if (!(converted instanceof UniqueConstraintViolationException)) throw err;
      return (await update()) > 0;
    }
  }

  async load(runId: number): Promise<RunCheckpointRecord | null> {
    const row = await this.#em().findOne(RunCheckpoint, { runId });
    if (!row) return null;
    return { runId: Number(row.runId), sequence: row.sequence, snapshot: row.snapshot, bytes: row.bytes, savedAt: row.savedAt };
  }

  async delete(runIds: readonly number[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.#em().nativeDelete(RunCheckpoint, { runId: { $in: [...runIds] } });
  }
}
