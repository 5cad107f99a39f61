import type { Orm } from './init-orm.ts';

/** SQLite's auto_vacuum modes (PRAGMA auto_vacuum answers the number). */
const INCREMENTAL = 2;

/**
 * Makes a SQLite file give the pages of deleted runs back (retention, runs/delete): with
 * `auto_vacuum = INCREMENTAL` the event log's writer thread runs `PRAGMA incremental_vacuum`
 * after each delete, and the file shrinks instead of keeping its high-water size. The mode
 * takes effect only after a VACUUM (setting it on a fresh, empty file did not stick once WAL was
 * on): a fresh file is vacuumed at once (instant); an existing file in another mode is
 * converted by one VACUUM now, which takes a while on a large file (once: it is incremental
 * afterwards). That VACUUM rewrites the file and needs it to itself; if another
 * connection holds it (a second process starting) it is left for a later start, with a warning:
 * freed pages are still reused for new rows meanwhile, the file only does not shrink.
 */
export async function useIncrementalVacuum(orm: Orm): Promise<void> {
  const connection = orm.em.getConnection();
  const [mode] = await connection.execute<Array<{ auto_vacuum: number }>>('pragma auto_vacuum');
  if (Number(mode?.auto_vacuum) === INCREMENTAL) return;
  await connection.execute('pragma auto_vacuum = incremental');
  try {
    await connection.execute('vacuum');
  } catch (err) {
    process.emitWarning(`the SQLite database could not be switched to incremental auto-vacuum (VACUUM failed: ${(err as Error).message}); deleted runs' space is reused but the file does not shrink until a later start succeeds`, 'CadreStorage');
  }
}
