import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { SqlRunOwnership } from '../../src/store/run-ownership-store.ts';
import type { ResumeEntry } from '../../src/domain/run-records.ts';

/** The RunCheckpoints contract (fenced saves, large snapshots, deletion) and resume claims, on every backend. */
export function runCheckpointsSuite(backend: Backend): void {
  let db: TestDatabase;
  let ownership: SqlRunOwnership;
  test.before(async () => {
    db = await createTestDatabase(backend);
    ownership = new SqlRunOwnership(db.store.orm);
  });
  test.after.always(async () => {
    await db?.drop();
  });

  const newRun = (owner: string | null, tenant = 'ta') =>
    db.store.forTenant(tenant).runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner });
  const snapshotOf = (step: number) => JSON.stringify({ status: 'active', context: { step, text: 'héllo ✓' } });
  const resumeEntry = (from: string | null, to: string, sequence: number | null): ResumeEntry =>
    ({ at: new Date().toISOString(), from_process: from, to_process: to, reason: 'owner lost', checkpoint_sequence: sequence });

  test(`${backend}: the owner saves, overwrites and loads its run's checkpoint`, async (t) => {
    const run = await newRun('p1');
    t.is(await db.store.checkpoints.load(run.id), null);
    const first = new Date('2026-12-01T10:00:00.123Z');
    t.true(await db.store.checkpoints.save(run.id, 'p1', 4, snapshotOf(1), first));
    t.deepEqual(await db.store.checkpoints.load(run.id), {
      runId: run.id, sequence: 4, snapshot: snapshotOf(1), bytes: Buffer.byteLength(snapshotOf(1)), savedAt: first,
    });
    const second = new Date('2026-12-01T10:00:01.456Z');
    t.true(await db.store.checkpoints.save(run.id, 'p1', 9, snapshotOf(2), second));
    t.true(await db.store.checkpoints.save(run.id, 'p1', 9, snapshotOf(2), second), 'saving the same checkpoint again still succeeds');
    t.like(await db.store.checkpoints.load(run.id), { sequence: 9, snapshot: snapshotOf(2), savedAt: second });
  });

  test(`${backend}: only the live run's owner saves: a stale owner's save is refused and overwrites nothing`, async (t) => {
    const fresh = await newRun('p1');
    t.false(await db.store.checkpoints.save(fresh.id, 'stranger', 1, snapshotOf(1), new Date()), 'no owner, no first checkpoint');
    t.is(await db.store.checkpoints.load(fresh.id), null);

    const run = await newRun('old');
    t.true(await db.store.checkpoints.save(run.id, 'old', 3, snapshotOf(3), new Date()));
    t.true(await ownership.claim(run.id, 'old', 'new'));
    t.false(await db.store.checkpoints.save(run.id, 'old', 99, snapshotOf(99), new Date()), 'the stale owner is fenced');
    t.like(await db.store.checkpoints.load(run.id), { sequence: 3, snapshot: snapshotOf(3) });
    t.true(await db.store.checkpoints.save(run.id, 'new', 5, snapshotOf(5), new Date()));

    t.true(await ownership.finishOwned(run.id, 'new', { status: 'completed', result: 'r' }, new Date()));
    t.is(await db.store.checkpoints.load(run.id), null, 'an ended run keeps no checkpoint');
    t.false(await db.store.checkpoints.save(run.id, 'new', 6, snapshotOf(6), new Date()), 'an ended run takes none');
    t.is(await db.store.checkpoints.load(run.id), null);
    t.true(await ownership.endedOwned(run.id, 'new'), 'it ended while "new" owned it');
    t.false(await ownership.endedOwned(run.id, 'old'), 'not while "old" did');

    const other = await newRun(null);
    t.true(await ownership.take(other.id, 'p2', new Date()));
    t.true(await db.store.checkpoints.save(other.id, 'p2', 1, snapshotOf(1), new Date()));
    t.false(await ownership.endedOwned(other.id, 'p2'), 'a live run has not ended');
    t.true(await db.store.forTenant('ta').runs.finish(other.id, { status: 'cancelled' }, new Date()));
    t.is(await db.store.checkpoints.load(other.id), null, "RunRepository.finish drops it too");
  });

  test(`${backend}: racing first saves of one run leave exactly one checkpoint, the owner's`, async (t) => {
    const run = await newRun('p1');
    const saves = await Promise.all([1, 2, 3, 4].map((n) => db.store.checkpoints.save(run.id, 'p1', n, snapshotOf(n), new Date())));
    t.deepEqual(saves, [true, true, true, true]);
    const saved = await db.store.checkpoints.load(run.id);
    t.truthy(saved);
    t.is(saved!.snapshot, snapshotOf(saved!.sequence));
  });

  test(`${backend}: a snapshot of several MB round-trips byte for byte`, async (t) => {
    const run = await newRun('big');
    // 2.5 MB of JSON with multi-byte characters, quotes and escapes: stored as text, unchanged.
    const blob = randomBytes(1_700_000).toString('base64');
    const snapshot = JSON.stringify({ context: { blob, note: 'ünïcödé "quoted" \\ back\nslash 😀'.repeat(1000) } });
    t.true(Buffer.byteLength(snapshot) >= 2 * 1024 * 1024);
    t.true(await db.store.checkpoints.save(run.id, 'big', 1234, snapshot, new Date()));
    const loaded = await db.store.checkpoints.load(run.id);
    t.is(loaded?.bytes, Buffer.byteLength(snapshot));
    t.true(loaded?.snapshot === snapshot, 'byte-exact');
  });

  test(`${backend}: checkpoints are deleted by id, and with their run`, async (t) => {
    const a = await newRun('p1');
    const b = await newRun('p1');
    const c = await newRun('p1', 'tb');
    for (const run of [a, b, c]) t.true(await db.store.checkpoints.save(run.id, 'p1', 1, snapshotOf(1), new Date()));
    await db.store.checkpoints.delete([a.id]);
    await db.store.checkpoints.delete([]);
    t.is(await db.store.checkpoints.load(a.id), null);
    t.truthy(await db.store.checkpoints.load(b.id));
    t.true(await db.store.forTenant('ta').runs.delete(b.id), 'runs/delete');
    t.is(await db.store.checkpoints.load(b.id), null);
    t.is(await db.store.deleteRuns([c.id]), 1, 'retention');
    t.is(await db.store.checkpoints.load(c.id), null);
  });

  test(`${backend}: of processes racing to resume one run, exactly one wins and its entry is recorded`, async (t) => {
    const run = await newRun('dead');
    t.true(await db.store.checkpoints.save(run.id, 'dead', 7, snapshotOf(7), new Date()));
    const claimers = ['r1', 'r2', 'r3', 'r4'];
    const results = await Promise.all(claimers.map((p) => ownership.claimForResume(run.id, 'dead', p, resumeEntry('dead', p, 7))));
    const won = results.filter((r) => r !== null);
    t.is(won.length, 1);
    const winner = claimers[results.findIndex((r) => r !== null)]!;
    t.is(won[0]!.length, 1);
    t.like(won[0]![0], { from_process: 'dead', to_process: winner, reason: 'owner lost', checkpoint_sequence: 7 });
    t.true(await ownership.owns(run.id, winner));
    t.deepEqual(await ownership.resumesOf(run.id), won[0]);
    t.deepEqual((await db.store.forTenant('ta').runs.find(run.id))?.resumes, won[0]);
    // The winner's checkpoint saves are accepted; the dead owner's are not.
    t.true(await db.store.checkpoints.save(run.id, winner, 8, snapshotOf(8), new Date()));
    t.false(await db.store.checkpoints.save(run.id, 'dead', 9, snapshotOf(9), new Date()));

    // A second resume appends to the history.
    const again = await ownership.claimForResume(run.id, winner, 'r9', resumeEntry(winner, 'r9', 8));
    t.is(again?.length, 2);
    t.deepEqual(again?.map((e) => e.to_process), [winner, 'r9']);
    t.is(await ownership.claimForResume(run.id, winner, 'r10', resumeEntry(winner, 'r10', 8)), null, 'no longer the owner it names');
    t.true(await ownership.finishOwned(run.id, 'r9', { status: 'completed' }, new Date()));
    t.is(await ownership.claimForResume(run.id, 'r9', 'r11', resumeEntry('r9', 'r11', null)), null, 'an ended run is not resumed');
    t.is((await ownership.resumesOf(run.id)).length, 2);
    t.deepEqual(await ownership.resumesOf(await newRun(null).then((r) => r.id)), [], 'never resumed');
  });

  test(`${backend}: a handed-off run waits, unowned and still live, for a process to resume it`, async (t) => {
    const handed = await newRun('leaving');
    t.true(await ownership.markRunning(handed.id, 'leaving', new Date()));
    t.true(await db.store.checkpoints.save(handed.id, 'leaving', 12, snapshotOf(12), new Date()));
    const queued = await newRun(null);
    const stillOwned = await newRun('staying');
    t.true(await db.store.checkpoints.save(stillOwned.id, 'staying', 1, snapshotOf(1), new Date()));

    t.false(await ownership.handOff(handed.id, 'stranger'));
    t.true(await ownership.handOff(handed.id, 'leaving'));
    t.false(await ownership.handOff(handed.id, 'leaving'), 'given up once');
    t.like(await db.store.forTenant('ta').runs.find(handed.id), { status: 'running', owner: null });
    t.false(await db.store.checkpoints.save(handed.id, 'leaving', 13, snapshotOf(13), new Date()), 'no longer its to checkpoint');

    const waiting = await ownership.handedOffRuns(100);
    t.true(waiting.length > 0);
    t.deepEqual(waiting.filter((r) => [handed.id, queued.id, stillOwned.id].includes(r.id)), [
      { id: handed.id, tenantId: 'ta', owner: null, status: 'running' },
    ]);
    t.is((await ownership.handedOffRuns(1)).length, 1);
    const unowned = (await ownership.unownedRuns(new Date(Date.now() + 60_000))).map((r) => r.id);
    t.true(unowned.includes(queued.id));
    t.false(unowned.includes(handed.id), 'a handed-off run is not left behind: it waits to be resumed');

    const history = await ownership.claimForResume(handed.id, null, 'next', resumeEntry(null, 'next', 12));
    t.is(history?.length, 1);
    t.like(await db.store.checkpoints.load(handed.id), { sequence: 12 });
    t.false((await ownership.handedOffRuns(100)).some((r) => r.id === handed.id), 'resumed: no longer waiting');

    const pending = await newRun('leaving');
    t.true(await ownership.handOff(pending.id, 'leaving'));
    t.like(await db.store.forTenant('ta').runs.find(pending.id), { status: 'pending', owner: null });
  });
}
