import test from 'ava';
import { MAX_PENDING_AGENT_REQUESTS } from '../../src/domain/agent-requests.ts';
import { createTestDatabase, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { SqlRunOwnership } from '../../src/store/run-ownership-store.ts';

/** The RunOwnership contract (leases, claims, fenced ends), run against every database backend. */
export function runOwnershipSuite(backend: Backend): void {
  let db: TestDatabase;
  let ownership: SqlRunOwnership;
  test.before(async () => {
    db = await createTestDatabase(backend);
    ownership = new SqlRunOwnership(db.store.orm);
  });
  test.after.always(async () => {
    await db?.drop();
  });

  const LEASE = 6000;
  const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
  const newRun = (tenant: string, owner: string | null) =>
    db.store.forTenant(tenant).runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner });

  test(`${backend}: a heartbeat renews a live lease and is refused once it lapsed`, async (t) => {
    const t0 = new Date();
    await ownership.register('hb-1', 'host:1', t0);
    t.true(await ownership.heartbeat('hb-1', at(t0, 2000), LEASE));
    t.true(await ownership.heartbeat('hb-1', at(t0, 2000 + LEASE), LEASE), 'exactly at the lease bound it still renews');
    t.false(await ownership.heartbeat('hb-1', at(t0, 2001 + 2 * LEASE), LEASE), 'a lapsed lease is not revived');
    t.false(await ownership.heartbeat('unknown', t0, LEASE));
    await ownership.deregister('hb-1');
    t.false(await ownership.heartbeat('hb-1', at(t0, 2000 + LEASE), LEASE));
  });

  test(`${backend}: only runs of lapsed or vanished owners are lapsed; unowned and live-owned runs are not`, async (t) => {
    const now = new Date();
    await ownership.register('live-1', 'l', now);
    await ownership.register('stale-1', 's', at(now, -LEASE - 1000));
    const live = await newRun('ta', 'live-1');
    const stale = await newRun('tb', 'stale-1');
    const vanished = await newRun('ta', 'gone-1');
    const unowned = await newRun('ta', null);
    const ended = await newRun('ta', 'stale-1');
    t.true(await ownership.finishOwned(ended.id, 'stale-1', { status: 'completed', result: 'r' }, now));
    const lapsed = await ownership.lapsedRuns(now, LEASE, 100);
    const ids = lapsed.map((r) => r.id);
    t.true(ids.length > 0);
    t.true(ids.includes(stale.id) && ids.includes(vanished.id));
    t.false(ids.includes(live.id) || ids.includes(unowned.id) || ids.includes(ended.id));
    t.like(lapsed.find((r) => r.id === stale.id), { tenantId: 'tb', owner: 'stale-1', status: 'pending' });
    const unownedIds = (await ownership.unownedRuns(at(now, 60_000))).map((r) => r.id);
    t.true(unownedIds.includes(unowned.id) && !unownedIds.includes(live.id));
    t.false((await ownership.unownedRuns(at(now, -60_000))).some((r) => r.id === unowned.id), 'young unowned runs are left be');
  });

  test(`${backend}: of processes racing to claim or take one run, exactly one wins`, async (t) => {
    const lapsedRun = await newRun('ta', 'dead-2');
    const claims = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((p) => ownership.claim(lapsedRun.id, 'dead-2', p)));
    t.is(claims.filter(Boolean).length, 1);
    const queued = await newRun('ta', null);
    const takes = await Promise.all(['p1', 'p2', 'p3'].map((p) => ownership.take(queued.id, p, new Date())));
    t.is(takes.filter(Boolean).length, 1);
    const winner = ['p1', 'p2', 'p3'][takes.indexOf(true)]!;
    t.true(await ownership.owns(queued.id, winner));
    t.like(await db.store.forTenant('ta').runs.find(queued.id), { status: 'running', owner: winner });
    // Handed back by its taker (shutting down before it began), it can be taken again.
    t.false(await ownership.release(queued.id, 'not-the-taker'));
    t.true(await ownership.release(queued.id, winner));
    t.like(await db.store.forTenant('ta').runs.find(queued.id), { status: 'pending', owner: null, startedAt: null });
    t.true(await ownership.take(queued.id, 'p9', new Date()));
  });

  test(`${backend}: a run's end is recorded only by its owner, once (fencing)`, async (t) => {
    const run = await newRun('ta', 'owner-3');
    t.false(await ownership.markRunning(run.id, 'stranger', new Date()));
    t.true(await ownership.markRunning(run.id, 'owner-3', new Date()));
    t.true(await ownership.claim(run.id, 'owner-3', 'sweeper-3'));
    t.false(await ownership.owns(run.id, 'owner-3'));
    t.is(await ownership.liveOwner(run.id), 'sweeper-3');
    t.false(await ownership.finishOwned(run.id, 'owner-3', { status: 'completed', result: 'stale' }, new Date()), 'the stale owner is fenced');
    t.true(await ownership.finishOwned(run.id, 'sweeper-3', { status: 'failed', error: 'owner lost' }, new Date()));
    t.false(await ownership.finishOwned(run.id, 'sweeper-3', { status: 'cancelled' }, new Date()), 'ended once');
    t.like(await db.store.forTenant('ta').runs.find(run.id), { status: 'failed', error: 'owner lost', owner: 'sweeper-3' });
    t.is(await ownership.liveOwner(run.id), undefined, 'an ended run has no live owner');
  });

  test(`${backend}: a cancel asked of another process's run reaches its owner, within the tenant`, async (t) => {
    const run = await newRun('ta', 'owner-4');
    t.false(await ownership.requestCancel(run.id, 'tb', new Date()), 'another tenant cannot ask');
    t.deepEqual(await ownership.cancelRequests('owner-4'), []);
    t.true(await ownership.requestCancel(run.id, 'ta', new Date()));
    t.deepEqual(await ownership.cancelRequests('owner-4'), [{ id: run.id, tenantId: 'ta' }]);
    t.deepEqual(await ownership.cancelRequests('owner-5'), []);
  });

  test(`${backend}: agent requests left for another process's run are taken once by its owner, in order, bounded, within the tenant`, async (t) => {
    const run = await newRun('ta', 'owner-9');
    const steer = (n: number) => ({ kind: 'steer' as const, agentId: 'w', message: `m${n}` });
    t.false(await ownership.requestAgent(run.id, 'tb', steer(0)), 'another tenant cannot ask');
    // Asked at once by several processes: none is lost.
    await Promise.all([1, 2, 3].map((n) => ownership.requestAgent(run.id, 'ta', steer(n))));
    t.deepEqual(await ownership.takeAgentRequests('owner-8'), [], 'not for another owner');
    const [taken] = await ownership.takeAgentRequests('owner-9');
    t.is(taken?.id, run.id);
    t.is(taken?.tenantId, 'ta');
    t.deepEqual(taken!.requests.map((r) => (r.kind === 'steer' ? r.message : '')).sort(), ['m1', 'm2', 'm3']);
    t.deepEqual(await ownership.takeAgentRequests('owner-9'), [], 'taken once');
    for (let n = 0; n < MAX_PENDING_AGENT_REQUESTS + 4; n++) t.true(await ownership.requestAgent(run.id, 'ta', steer(n)));
    const [bounded] = await ownership.takeAgentRequests('owner-9');
    t.is(bounded!.requests.length, MAX_PENDING_AGENT_REQUESTS);
    t.like(bounded!.requests.at(-1), { message: `m${MAX_PENDING_AGENT_REQUESTS + 3}` });
    t.true(await ownership.requestAgent(run.id, 'ta', { kind: 'cancel', agentId: 'w', mode: 'hard' }));
    await ownership.finishOwned(run.id, 'owner-9', { status: 'completed', result: 'x' }, new Date());
    t.false(await ownership.requestAgent(run.id, 'ta', steer(99)), 'an ended run takes no requests');
    t.deepEqual(await ownership.takeAgentRequests('owner-9'), [], 'nor hands any out');
  });

  test(`${backend}: an inspection asked of another process's run is answered by its owner only`, async (t) => {
    const run = await newRun('ta', 'owner-6');
    const asked = new Date();
    t.false(await ownership.requestInspect(run.id, 'tb', asked));
    t.true(await ownership.requestInspect(run.id, 'ta', asked));
    t.deepEqual(await ownership.inspectRequests('owner-6'), [{ id: run.id, tenantId: 'ta' }]);
    await ownership.publishTree(run.id, 'stranger', { id: 'forged' }, new Date());
    t.is(await ownership.publishedTree(run.id, 'ta'), null, 'only the owner answers');
    await ownership.publishTree(run.id, 'owner-6', { id: `run:${run.id}`, kind: 'run' }, at(asked, 5));
    t.deepEqual(await ownership.publishedTree(run.id, 'ta'), { tree: { id: `run:${run.id}`, kind: 'run' }, at: at(asked, 5) });
    t.is(await ownership.publishedTree(run.id, 'tb'), null, 'never across tenants');
    t.deepEqual(await ownership.inspectRequests('owner-6'), [], 'answered requests are cleared');
  });

  test(`${backend}: a resume claim moves the run like claim and appends to its history; a handed-off run stays live, unowned`, async (t) => {
    const run = await newRun('ta', 'owner-7');
    t.true(await ownership.markRunning(run.id, 'owner-7', new Date()));
    t.deepEqual(await ownership.resumesOf(run.id), []);
    t.deepEqual((await db.store.forTenant('ta').runs.find(run.id))?.resumes, []);
    const entry = (from: string | null, to: string) => ({ at: '2026-12-01T00:00:00.000Z', from_process: from, to_process: to, reason: 'handed off', checkpoint_sequence: null });
    t.is(await ownership.claimForResume(run.id, 'someone-else', 'owner-8', entry('someone-else', 'owner-8')), null, 'not the current owner');
    t.true(await ownership.handOff(run.id, 'owner-7'));
    t.like(await db.store.forTenant('ta').runs.find(run.id), { status: 'running', owner: null });
    t.is(await ownership.liveOwner(run.id), null, 'live, with no owner');
    t.deepEqual(await ownership.claimForResume(run.id, null, 'owner-8', entry(null, 'owner-8')), [entry(null, 'owner-8')]);
    t.is(await ownership.liveOwner(run.id), 'owner-8');
    // A lapsed job lock of owner-8's: stale once owner-8 itself resumed the run (its last entry).
    t.is(await ownership.claimForResume(run.id, 'owner-8', 'owner-9', entry('owner-8', 'owner-9'), { unlessResumedTo: 'owner-8' }), null, 'owner-8 executes a resume of it');
    t.is(await ownership.liveOwner(run.id), 'owner-8', 'the refused claim changed nothing');
    t.deepEqual(await ownership.resumesOf(run.id), [entry(null, 'owner-8')]);
    t.deepEqual(await ownership.claimForResume(run.id, 'owner-8', 'owner-9', entry('owner-8', 'owner-9'), { unlessResumedTo: 'owner-7' }), [entry(null, 'owner-8'), entry('owner-8', 'owner-9')]);
    t.deepEqual(await ownership.resumesOf(run.id), [entry(null, 'owner-8'), entry('owner-8', 'owner-9')]);
    t.true(await ownership.finishOwned(run.id, 'owner-9', { status: 'completed', result: 'r' }, new Date()));
    t.false(await ownership.handOff(run.id, 'owner-9'), 'an ended run is not handed off');
    t.is((await db.store.forTenant('ta').runs.find(run.id))?.resumes.length, 2, 'the history outlives the run end');
  });
}
