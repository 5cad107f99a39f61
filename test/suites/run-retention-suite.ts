import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import type { Backend } from '../helpers/backends.ts';
import { uniqueName } from '../helpers/backends.ts';
import { expectPage, type Api } from '../helpers/api-harness.ts';
import { openSse } from '../helpers/sse-client.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { ExecutionRun, HierarchyTeam } from '../../src/store/entities/index.ts';
import { RetentionSweep } from '../../src/host/retention-sweep.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { SqlRunOwnership } from '../../src/store/run-ownership-store.ts';
import type { ComposeOptions } from '../../src/compose.ts';
import { useRunHarness, type RunHarness } from './sse-suite.ts';
import { within } from '../helpers/within-deadline.ts';

const HOUR_MS = 3600_000;

/** Polls `check` until it holds; fails past the deadline. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The run's record as stored (any tenant: the test looks past the API). */
async function storedRun(h: RunHarness, id: number): Promise<ExecutionRun | null> {
  return h.db.store.orm.em.fork().findOne(ExecutionRun, { id }, { filters: false });
}

async function storedHierarchy(h: RunHarness, id: string): Promise<HierarchyTeam | null> {
  return h.db.store.orm.em.fork().findOne(HierarchyTeam, { id }, { filters: false });
}

/** Makes an ended run look as if it ended `agoMs` ago. */
async function age(h: RunHarness, id: number, agoMs: number, field: 'completedAt' | 'createdAt' = 'completedAt'): Promise<void> {
  await h.db.store.orm.em.fork().nativeUpdate(ExecutionRun, { id }, { [field]: new Date(Date.now() - agoMs) }, { filters: false });
}

async function execute(url: string, body: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${url}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

function simpleRequest(): Record<string, any> {
  return JSON.parse(readFileSync(new URL('../fixtures/original-examples/simple_request.json', import.meta.url), 'utf8'));
}

/** A finished run of the tenant (fast simulated model); returns its id once it ended. */
async function finishedRun(t: ExecutionContext, h: RunHarness, api: Api, hierarchyId: string): Promise<number> {
  const id = await h.start(api, hierarchyId);
  const stream = await within(h.stream(id, { headers: { 'x-tenant-id': api.tenant! } }), 30_000, 'the run to end');
  t.is(stream.frames.at(-1)?.event, 'close');
  await eventually(async () => (await api.ok('runs/get', { id })).status === 'completed', 'the run to be recorded as completed');
  return id;
}

/** runs/delete and the retention sweep, on every backend (`compose` picks the event log). */
export function runRetentionSuite(backend: Backend, variant: { label: string; compose: ComposeOptions } = { label: backend, compose: {} }): void {
  // Retention of an hour, swept every 100 ms: tests age runs past it by rewriting their end time.
  const harness = useRunHarness(backend, { ...variant.compose, retention: { retentionMs: HOUR_MS, sweepMs: 100 } });
  const b = variant.label;

  test(`${b}: runs/delete of an ended run removes its record and events; 404 after and for another tenant; other runs untouched`, async (t) => {
    const h = harness();
    const api = h.api(t, uniqueName('del'));
    const other = h.api(t, uniqueName('del-other'));
    const [hid, otherHid] = [await h.hierarchy(api, 0), await h.hierarchy(other, 0)];
    const [id, kept, otherRun] = [await finishedRun(t, h, api, hid), await finishedRun(t, h, api, hid), await finishedRun(t, h, other, otherHid)];
    t.true((await h.service.eventLog.read(id)).length > 0);
    // Another tenant's id is not this tenant's: 404, and nothing is deleted.
    await other.fails('runs/delete', { id }, 404);
    t.truthy(await storedRun(h, id));
    const answer = await api.ok('runs/delete', { id });
    t.deepEqual(answer, { id, deleted: true });
    t.is(await storedRun(h, id), null);
    t.deepEqual(await h.service.eventLog.read(id), []);
    await api.fails('runs/get', { id }, 404);
    await api.fails('runs/events', { id }, 404);
    await api.fails('runs/delete', { id }, 404);
    await api.fails('runs/delete', { id: 'x' }, 400, 'id');
    // The tenant's other run, the other tenant's run and the (API-made) hierarchy stay.
    for (const [who, run] of [[api, kept], [other, otherRun]] as const) {
      t.is((await who.ok('runs/get', { id: run })).status, 'completed');
      t.true((await who.ok('runs/events', { id: run })).events.length > 0);
    }
    t.truthy(await api.ok('hierarchies/get', { id: hid }));
  });

  test(`${b}: runs/delete of a live run cancels it first, then deletes it; its stream ends`, async (t) => {
    const h = harness();
    const api = h.api(t, uniqueName('del-live'));
    const id = await h.start(api, await h.hierarchy(api, 40));
    const stream = await openSse(`${h.server.url}${API_PREFIX}/runs/stream?id=${id}`, { headers: { 'x-tenant-id': api.tenant! } });
    t.truthy(await within(stream.until((f) => f.event === 'llm.stream'), 30_000, 'live tokens'), 'the run streams');
    t.deepEqual(await api.ok('runs/delete', { id }), { id, deleted: true });
    await within(stream.until(() => false), 20_000, 'the stream to end');
    t.true(stream.ended);
    t.is(stream.frames.at(-1)?.event, 'close');
    t.true(stream.frames.some((f) => f.event === 'lifecycle.cancelled'), 'cancelled before it was deleted');
    t.is(await storedRun(h, id), null);
    t.deepEqual(await h.service.eventLog.read(id), []);
    await api.fails('runs/get', { id }, 404);
  });

  test(`${b}: a POST /execute hierarchy is hidden from the tenant's hierarchies, not startable, and deleted with its run`, async (t) => {
    const h = harness();
    const api = h.api(t, uniqueName('exec-del'));
    const own = await h.hierarchy(api, 0);
    const model = uniqueName('exec-sim');
    await api.ok('models/create', { name: model, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 8 } });
    const answers = [];
    for (let i = 0; i < 2; i++) answers.push(await execute(h.server.url, { ...simpleRequest(), global_model_id: model, tenantId: api.tenant }));
    for (const a of answers) t.is(a.status, 200, a.text.slice(0, 300));
    const [first, second] = answers.map((a) => a.body.run_id as number);
    const hierarchyOf = async (id: number) => (await api.ok('runs/get', { id })).hierarchy_id as string;
    const [h1, h2] = [await hierarchyOf(first!), await hierarchyOf(second!)];
    t.truthy(await storedHierarchy(h, h1));
    const listed = expectPage(t, await api.post('hierarchies/list', { page: 1, size: 100 })).content.map((x: any) => x.id);
    t.deepEqual(listed, [own]);
    await api.fails('hierarchies/get', { id: h1 }, 404);
    await api.fails('hierarchies/update', { id: h1, description: 'x' }, 404);
    await api.fails('hierarchies/delete', { id: h1 }, 404);
    await api.fails('runs/start', { hierarchy_id: h1, task: 'again' }, 404);
    // runs/delete takes the hierarchy with the run; the other /execute run keeps its own.
    await api.ok('runs/delete', { id: first });
    t.is(await storedHierarchy(h, h1), null);
    t.truthy(await storedHierarchy(h, h2));
    // Retention does the same.
    await age(h, second!, 2 * HOUR_MS);
    await eventually(async () => (await storedRun(h, second!)) === null, 'retention to delete the /execute run');
    t.is(await storedHierarchy(h, h2), null);
    // A run of an API-made hierarchy leaves the hierarchy.
    const mine = await finishedRun(t, h, api, own);
    await api.ok('runs/delete', { id: mine });
    t.truthy(await api.ok('hierarchies/get', { id: own }));
  });

  test(`${b}: the retention sweep deletes ended runs older than the retention, of every tenant, and keeps live and recent runs`, async (t) => {
    const h = harness();
    const api = h.api(t, uniqueName('ret'));
    const other = h.api(t, uniqueName('ret-other'));
    const fast = await h.hierarchy(api, 0);
    const old = [await finishedRun(t, h, api, fast), await finishedRun(t, h, api, fast), await finishedRun(t, h, other, await h.hierarchy(other, 0))];
    const recent = await finishedRun(t, h, api, fast);
    const live = await h.start(api, await h.hierarchy(api, 40));
    t.teardown(() => h.service.runs.cancel(h.db.store.forTenant(api.tenant!), live).then(() => undefined, () => undefined));
    await eventually(async () => (await api.ok('runs/get', { id: live })).status === 'running', 'the live run to run');
    // Live for "two hours": its age must not matter, only an end does.
    await age(h, live, 2 * HOUR_MS, 'createdAt');
    for (const id of old) await age(h, id, 2 * HOUR_MS);
    await eventually(async () => (await Promise.all(old.map((id) => storedRun(h, id)))).every((r) => r === null), 'the old runs to be deleted');
    for (const id of old) t.deepEqual(await h.service.eventLog.read(id), []);
    // Two more sweeps later the others are still there, with their events.
    const sweeps = h.service.retention.sweeps;
    await eventually(async () => h.service.retention.sweeps >= sweeps + 2, 'two more sweeps');
    t.is((await api.ok('runs/get', { id: recent })).status, 'completed');
    t.true((await h.service.eventLog.read(recent)).length > 0);
    t.is((await api.ok('runs/get', { id: live })).status, 'running');
    t.true((await h.service.eventLog.read(live)).length > 0);
  });

  test(`${b}: a retention of 0 keeps every run; sweeps of several processes at once are safe`, async (t) => {
    const h = harness();
    const api = h.api(t, uniqueName('ret0'));
    const hid = await h.hierarchy(api, 0);
    const runs = [await finishedRun(t, h, api, hid), await finishedRun(t, h, api, hid)];
    // Ten minutes: within the service's own hour, past the sweeps' below.
    for (const id of runs) await age(h, id, 10 * 60_000);
    const sweep = (retentionMs: number) => new RetentionSweep({
      runs: h.db.store, eventLog: h.service.eventLog, logger: silentLogger, settings: { retentionMs, sweepMs: 50, batchSize: 1 },
    });
    const forever = sweep(0);
    t.false(forever.enabled);
    t.is(await forever.sweepOnce(), 0);
    for (const id of runs) t.truthy(await storedRun(h, id));
    // Three "processes" sweeping the same runs at once, one run per batch: each run goes once, none fails.
    const counts = await Promise.all([sweep(5 * 60_000), sweep(5 * 60_000), sweep(5 * 60_000)].map((s) => s.sweepOnce()));
    t.true(counts.reduce((a, c) => a + c, 0) >= runs.length, `deleted ${counts.join('+')}`);
    for (const id of runs) {
      t.is(await storedRun(h, id), null);
      t.deepEqual(await h.service.eventLog.read(id), []);
    }
  });

  // Without Redis a stream of another process's run polls the database; with Redis it follows the stream live.
  if (!variant.compose.redis) {
    test(`${b}: a stream polling another process's run ends when that run is deleted (by another process)`, async (t) => {
      const h = harness();
      const api = h.api(t, uniqueName('del-poll'));
      const owner = uniqueName('elsewhere');
      await new SqlRunOwnership(h.db.store.orm).register(owner, 'another-host:1', new Date());
      const run = await h.db.store.forTenant(api.tenant!).runs.create({ hierarchyId: 'h', task: 't', topologySnapshot: {}, owner });
      const stream = await openSse(`${h.server.url}${API_PREFIX}/runs/stream?id=${run.id}`, { headers: { 'x-tenant-id': api.tenant! } });
      t.is(stream.status, 200);
      t.false(stream.ended);
      // What runs/delete in the other process does once the run ended there.
      await h.service.eventLog.deleteRuns([run.id]);
      t.is(await h.db.store.deleteRuns([run.id]), 1);
      await within(stream.until(() => false), 10_000, 'the polling stream to end');
      t.true(stream.ended);
      t.is(stream.frames.at(-1)?.event, 'error');
      t.regex(stream.frames.at(-1)!.data, /deleted/);
    });
  }
}
