import test from 'ava';
import type { Backend } from '../helpers/backends.ts';
import { expectPage, uniqueTenant } from '../helpers/api-harness.ts';
import type { ActorNode } from '../../src/actors/actor-tree.ts';
import { range, sequencesOf, useRunHarness } from './sse-suite.ts';
import { collectResuming } from '../helpers/sse-client.ts';
import { SqlRunOwnership } from '../../src/store/run-ownership-store.ts';

/** Agents of an actor tree, as nested names (model calls and the sink left out). */
function agentsOf(node: ActorNode): unknown {
  const agents = node.children.filter((c) => ['global_supervisor', 'team_supervisor', 'worker'].includes(c.kind));
  return agents.map((c) => ({ kind: c.kind, name: c.agent_name, team: c.team_name ?? null, children: agentsOf(c) }));
}

const expectedTree = [{
  kind: 'global_supervisor', name: 'Global Supervisor', team: null, children: [
    { kind: 'team_supervisor', name: 'Supervisor', team: 'Analysts', children: [
      { kind: 'worker', name: 'Ada', team: 'Analysts', children: [] },
      { kind: 'worker', name: 'Bob', team: 'Analysts', children: [] },
    ] },
    { kind: 'team_supervisor', name: 'Supervisor', team: 'Writers', children: [
      { kind: 'worker', name: 'Cy', team: 'Writers', children: [] },
    ] },
  ],
}];

/** runs/* endpoints besides the stream, run against every database backend. */
export function runsApiSuite(backend: Backend): void {
  const harness = useRunHarness(backend);
  const b = backend;

  test(`${b}: runs/events paginates by next_id, bounds by end_id, rejects malformed ids`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 1));
    const n = sequencesOf(t, (await h.stream(runId)).frames).length;
    t.true(n > 100, `${n} events`);

    const seen: number[] = [];
    let start = '-';
    for (let page = 0; page < 100; page++) {
      const data = await api.ok('runs/events', { id: runId, start_id: start, limit: 50 });
      t.is(data.run_id, runId);
      t.is(data.count, data.events.length);
      t.true(data.count <= 50);
      for (const e of data.events) {
        t.is(e.id, String(e.sequence));
        t.is(e.run_id, runId);
      }
      seen.push(...data.events.map((e: any) => e.sequence));
      if (!data.has_more) {
        t.is(data.next_id, null);
        break;
      }
      t.is(data.count, 50);
      t.is(data.next_id, String(data.events.at(-1).sequence + 1));
      start = data.next_id;
    }
    t.deepEqual(seen, range(1, n));

    const bounded = await api.ok('runs/events', { id: runId, start_id: '10', end_id: '20' });
    t.deepEqual(bounded.events.map((e: any) => e.sequence), range(10, 20));
    t.like(bounded, { count: 11, has_more: false, next_id: null });
    const cut = await api.ok('runs/events', { id: runId, start_id: '10', end_id: '20', limit: 5 });
    t.deepEqual(cut.events.map((e: any) => e.sequence), range(10, 14));
    t.like(cut, { count: 5, has_more: true, next_id: '15' });
    // Redis-style ids name the sequence in their second part.
    t.deepEqual((await api.ok('runs/events', { id: runId, start_id: '0-3', end_id: '0-4' })).events.map((e: any) => e.sequence), [3, 4]);
    t.like(await api.ok('runs/events', { id: runId, start_id: String(n + 1) }), { events: [], count: 0, has_more: false, next_id: null });

    await api.fails('runs/events', { id: runId, start_id: 'abc' }, 400, 'start_id', 'INVALID_EVENT_ID');
    await api.fails('runs/events', { id: runId, end_id: '1.5' }, 400, 'end_id', 'INVALID_EVENT_ID');
    await api.fails('runs/events', { id: runId, limit: 0 }, 400, 'limit');
    await api.fails('runs/events', { id: 987_654_321 }, 404, undefined, 'RUN_NOT_FOUND');
  });

  test(`${b}: runs/get after the stream closed; cancelling an ended run is a conflict`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const hierarchyId = await h.hierarchy(api, 1);
    const task = 'Summarise the findings';
    const began = Date.now();
    const started = await api.ok('runs/start', { hierarchy_id: hierarchyId, task });
    t.like(started, { hierarchy_id: hierarchyId, task, status: 'pending', stream_url: `/api/executor/v1/runs/stream?id=${started.id}` });
    t.true(Number.isInteger(started.id) && started.id > 0);
    const n = sequencesOf(t, (await h.stream(started.id)).frames).length;

    const run = await api.ok('runs/get', { id: started.id });
    t.like(run, { id: started.id, hierarchy_id: hierarchyId, task, status: 'completed', error: null, created_at: started.created_at });
    t.true(typeof run.result === 'string' && run.result.length > 0);
    t.true(run.statistics.totals.model_calls > 0);
    // Counted when the run settles: every event but the terminal one, which carries these statistics.
    t.is(run.statistics.event_count, n);
    t.deepEqual(run.topology_snapshot.teams.map((x: any) => x.name), ['Analysts', 'Writers']);
    t.deepEqual(run.resumes, { count: 0, history: [] }, 'never resumed');
    const [created, startedAt, completedAt] = [run.created_at, run.started_at, run.completed_at].map((s: string) => Date.parse(s));
    t.true(created! >= began - 1000 && startedAt! >= created! - 1000 && completedAt! >= startedAt!);

    await api.fails('runs/cancel', { id: started.id }, 409);
    t.is((await api.ok('runs/get', { id: started.id })).status, 'completed');
    await api.fails('runs/get', { id: 987_654_321 }, 404, undefined, 'RUN_NOT_FOUND');
    await api.fails('runs/get', { id: 'x' }, 400, 'id');
  });

  test(`${b}: runs/get and runs/list show a run's resume history`, async (t) => {
    const h = harness();
    const tenant = uniqueTenant();
    const api = h.api(t, tenant);
    const ownership = new SqlRunOwnership(h.db.store.orm);
    // Processes with fresh leases, so this process's lapsed-run sweep leaves the run alone.
    const [lost, next] = [`lost-${tenant}`, `next-${tenant}`];
    await ownership.register(lost, 'test', new Date());
    await ownership.register(next, 'test', new Date());
    t.teardown(async () => { await ownership.deregister(lost); await ownership.deregister(next); });
    const run = await h.db.store.forTenant(tenant).runs.create({ hierarchyId: 'h', task: 'resumed', topologySnapshot: {}, owner: lost });
    const entry = { at: new Date().toISOString(), from_process: lost, to_process: next, reason: 'owner lost', checkpoint_sequence: 17 };
    t.deepEqual(await ownership.claimForResume(run.id, lost, next, entry), [entry]);
    t.true(await ownership.finishOwned(run.id, next, { status: 'completed', result: 'done' }, new Date()));

    const shown = await api.ok('runs/get', { id: run.id });
    t.like(shown, { id: run.id, status: 'completed', task: 'resumed', result: 'done' });
    t.deepEqual(shown.resumes, { count: 1, history: [entry] });
    const listed = expectPage(t, await api.post('runs/list', {})).content;
    t.deepEqual(listed.map((r: any) => [r.id, r.resumes]), [[run.id, { count: 1, history: [entry] }]]);
  });

  test(`${b}: runs/list filters by hierarchy_id and status`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const hierarchyId = await h.hierarchy(api, 2);
    const done = await h.start(api, hierarchyId, 'first');
    await h.stream(done);
    const cancelled = await h.start(api, hierarchyId, 'second');
    t.true(cancelled > done, 'run ids increase');
    t.is((await api.ok('runs/cancel', { id: cancelled })).status, 'cancelled');
    const other = await h.start(api, await h.hierarchy(api, 1), 'elsewhere');

    const mine = expectPage(t, await api.post('runs/list', { hierarchy_id: hierarchyId }));
    t.like(mine, { totalElements: 2, page: 1 });
    t.deepEqual(mine.content.map((r: any) => r.id), [cancelled, done], 'newest first');
    const completed = expectPage(t, await api.post('runs/list', { hierarchy_id: hierarchyId, status: 'completed' }));
    t.deepEqual(completed.content.map((r: any) => [r.id, r.status]), [[done, 'completed']]);
    const stopped = expectPage(t, await api.post('runs/list', { hierarchy_id: hierarchyId, status: 'cancelled' }));
    t.deepEqual(stopped.content.map((r: any) => [r.id, r.status]), [[cancelled, 'cancelled']]);
    const paged = expectPage(t, await api.post('runs/list', { hierarchy_id: hierarchyId, page: 2, size: 1 }));
    t.deepEqual(paged.content.map((r: any) => r.id), [done]);
    await api.fails('runs/list', { status: 'sleeping' }, 400, 'status');
    await h.stream(other);
  });

  test(`${b}: runs/start rejects unknown hierarchies and empty tasks; runs are tenant-bound`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const hierarchyId = await h.hierarchy(api, 1);
    await api.fails('runs/start', { hierarchy_id: 'no-such-hierarchy', task: 'x' }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await api.fails('runs/start', { hierarchy_id: hierarchyId, task: '   ' }, 400, 'task');
    await api.fails('runs/start', { hierarchy_id: hierarchyId }, 400, 'task');

    const runId = await h.start(api, hierarchyId);
    const stranger = api.as(uniqueTenant());
    await stranger.fails('runs/start', { hierarchy_id: hierarchyId, task: 'x' }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    for (const action of ['runs/get', 'runs/inspect', 'runs/events', 'runs/cancel']) {
      await stranger.fails(action, { id: runId }, 404, undefined, 'RUN_NOT_FOUND');
    }
    t.is(expectPage(t, await stranger.post('runs/list', { hierarchy_id: hierarchyId })).totalElements, 0);
    // The stranger's cancel did not touch the run.
    const stream = await h.stream(runId);
    t.is(stream.frames.at(-2)?.event, 'lifecycle.completed');
  });

  test(`${b}: runs/inspect shows the live actor tree while running, the stored one after`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 5));
    const live = await api.ok('runs/inspect', { id: runId });
    t.like(live, { run_id: runId, live: true });
    t.true(['pending', 'running'].includes(live.status));
    t.like(live.tree, { id: `run:${runId}`, kind: 'run' });
    t.deepEqual(agentsOf(live.tree), expectedTree);

    await h.stream(runId);
    await h.service.runtime.whenDone(runId);
    const after = await api.ok('runs/inspect', { id: runId });
    t.like(after, { run_id: runId, live: false, status: 'completed' });
    t.like(after.tree, { id: `run:${runId}`, kind: 'run', status: 'done' });
    t.deepEqual(agentsOf(after.tree), expectedTree);
    t.true(after.tree.children.every((c: any) => c.status === 'stopped'), 'every actor was stopped with the run');
    const stats = after.tree.children.find((c: any) => c.kind === 'global_supervisor').stats;
    t.true(stats.model_calls > 0);
    await api.fails('runs/inspect', { id: 987_654_321 }, 404, undefined, 'RUN_NOT_FOUND');
  });
}

/** Runs whose texts exceed 64 KiB (MySQL's TEXT) are stored whole, events included. */
export function runsLongTextSuite(backend: Backend): void {
  const harness = useRunHarness(backend);
  test(`${backend}: a 70,000-character task runs, and task, events and result are stored whole`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const task = `LONG-${'word '.repeat(14_000)}END`;
    const runId = await h.start(api, await h.hierarchy(api, 0), task);
    // ~40,000 events: under load the server may cut this reader at its buffer bound; it resumes.
    const stream = await collectResuming(...h.streamOptions(runId));
    t.is(stream.frames.at(-1)?.event, 'close', `the stream reached its end in ${stream.connections} connection(s)`);
    const seqs = sequencesOf(t, stream.frames);
    t.deepEqual(seqs, range(1, seqs.length), 'every event once, in order, across reconnections');
    const n = seqs.length;
    const run = await api.ok('runs/get', { id: runId });
    t.is(run.status, 'completed');
    t.is(run.task, task);
    t.is(run.statistics.event_count, n);
    const stored = await api.ok('runs/events', { id: runId, limit: 1 });
    t.is(stored.events[0].data.task, task);
  });
}
