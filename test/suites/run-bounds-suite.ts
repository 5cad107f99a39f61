import test, { type ExecutionContext } from 'ava';
import { composeService, type ComposeOptions, type Service } from '../../src/compose.ts';
import { RunAdmission } from '../../src/services/run-admission.ts';
import { Api, expectError, type ApiResponse } from '../helpers/api-harness.ts';
import { createTestDatabase, uniqueName, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { sampleHierarchyOn } from '../helpers/fixtures.ts';
import { serve } from '../helpers/http-client.ts';

/** A model slow enough that every run started in a test is still running when the test checks. */
const SLOW = { token_delay_ms: 200, reply_tokens: 200, jitter_ms: 0 };

export interface Served {
  service: Service;
  url: string;
  close(): Promise<void>;
}

/** A service on `db` with its own server: several of them on one database are several processes. */
export async function serveOn(db: TestDatabase, options: ComposeOptions): Promise<Served> {
  const service = composeService(db.store, { database: db.config, sseHeartbeatMs: 1000, ...options });
  await service.recover();
  const server = await serve(service.app);
  return {
    service, url: server.url,
    async close() {
      await server.close();
      await service.stop(5000);
    },
  };
}

/** A model and an inline hierarchy on it for `api`'s tenant: the body /execute and hierarchies/create take. */
export async function slowHierarchyBody(api: Api): Promise<Record<string, any>> {
  const model = uniqueName('slow');
  await api.ok('models/create', { name: model, model_id: 'sim', provider: 'simulated', params: SLOW });
  return sampleHierarchyOn(model);
}

export async function slowHierarchy(api: Api): Promise<string> {
  return (await api.ok('hierarchies/create', await slowHierarchyBody(api))).id as string;
}

/** A 429 with Retry-After and `code`. */
export function expectRefused(t: ExecutionContext, res: ApiResponse, code: string): void {
  expectError(t, res, 429, undefined, code);
  t.regex(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After in seconds');
}

const totalRuns = async (api: Api) => (await api.ok('runs/list', { page: 1, size: 1 })).totalElements as number;
const activeRuns = async (api: Api) => {
  const running = (await api.ok('runs/list', { page: 1, size: 1, status: 'running' })).totalElements as number;
  const pending = (await api.ok('runs/list', { page: 1, size: 1, status: 'pending' })).totalElements as number;
  return running + pending;
};

export function runBoundsSuite(backend: Backend): void {
  let db: TestDatabase;
  const opened: Served[] = [];
  const open = async (options: ComposeOptions) => {
    const served = await serveOn(db, options);
    opened.push(served);
    return served;
  };
  test.before(async () => {
    db = await createTestDatabase(backend);
  });
  test.after.always(async () => {
    for (const s of opened) await s.close();
    await db?.drop();
  });

  test.serial(`${backend}: past TENANT_MAX_ACTIVE_RUNS runs/start and /execute answer 429 TENANT_RUN_LIMIT, leave nothing behind, spare other tenants`, async (t) => {
    const served = await open({ tenantMaxActiveRuns: 3 });
    const api = new Api(t, served.url, uniqueName('busy'));
    const other = api.as(uniqueName('other'));
    const hierarchyId = await slowHierarchy(api);
    for (let i = 0; i < 3; i++) await api.ok('runs/start', { hierarchy_id: hierarchyId, task: `task ${i}` });
    expectRefused(t, await api.post('runs/start', { hierarchy_id: hierarchyId, task: 'one too many' }), 'TENANT_RUN_LIMIT');
    t.is(await totalRuns(api), 3, 'the refused start left no run record');

    // Counted in the table: /execute's hierarchies are not listed by hierarchies/list.
    const storedHierarchies = async () => (await db.store.orm.em.getConnection().execute<Array<{ n: number | string }>>(
      'select count(*) as n from hierarchy_team where tenant_id = ?', [api.tenant!]))[0]!.n;
    const hierarchiesBefore = Number(await storedHierarchies());
    t.true(hierarchiesBefore > 0);
    const execute = await api.request('POST', '/execute', { body: { ...(await slowHierarchyBody(api)), task: 'inline' } });
    expectRefused(t, execute, 'TENANT_RUN_LIMIT');
    t.is(await totalRuns(api), 3, '/execute left no run record');
    t.is(Number(await storedHierarchies()), hierarchiesBefore, 'nor the hierarchy it stored for the run');

    // Another tenant is not bound by this one's runs.
    const otherRun = await other.ok('runs/start', { hierarchy_id: await slowHierarchy(other), task: 'unaffected' });
    t.is(otherRun.status, 'pending');

    // A run that ends frees a place.
    const first = (await api.ok('runs/list', { page: 1, size: 1 })).content[0];
    t.is((await api.ok('runs/cancel', { id: first.id })).status, 'cancelled');
    await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'after one ended' });
    t.is(await activeRuns(api), 3);
  });

  test.serial(`${backend}: a burst of concurrent starts of one tenant, through two processes, never exceeds TENANT_MAX_ACTIVE_RUNS`, async (t) => {
    const limit = 4;
    const one = await open({ tenantMaxActiveRuns: limit });
    const two = await open({ tenantMaxActiveRuns: limit });
    const tenant = uniqueName('burst');
    const apis = [new Api(t, one.url, tenant), new Api(t, two.url, tenant)];
    const hierarchyId = await slowHierarchy(apis[0]!);

    // Within one process the tenant's starts are admitted one at a time: exactly `limit` pass.
    const local = await Promise.all(Array.from({ length: 12 }, (_, i) => apis[0]!.post('runs/start', { hierarchy_id: hierarchyId, task: `local ${i}` })));
    t.is(local.filter((r) => r.status === 200).length, limit);
    for (const res of local.filter((r) => r.status !== 200)) expectRefused(t, res, 'TENANT_RUN_LIMIT');
    for (const res of local.filter((r) => r.status === 200)) await apis[0]!.ok('runs/cancel', { id: res.body.data.id });
    t.is(await activeRuns(apis[0]!), 0);

    // Across two processes at once: never more than `limit`, and no refused start leaves a record.
    const before = await totalRuns(apis[0]!);
    const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => apis[i % 2]!.post('runs/start', { hierarchy_id: hierarchyId, task: `burst ${i}` })));
    const accepted = burst.filter((r) => r.status === 200);
    for (const res of burst.filter((r) => r.status !== 200)) expectRefused(t, res, 'TENANT_RUN_LIMIT');
    t.log(`${accepted.length} of ${burst.length} starts accepted (limit ${limit})`);
    t.true(accepted.length >= 1 && accepted.length <= limit, `${accepted.length} accepted`);
    t.is(await activeRuns(apis[1]!), accepted.length);
    t.is(await totalRuns(apis[1]!), before + accepted.length, 'a refused start leaves no run record');
  });

  test.serial(`${backend}: two processes whose starts count at the same moment: the recount after the insert keeps the tenant within its bound`, async (t) => {
    const served = await open({});
    const tenant = uniqueName('race');
    // Two admissions are two processes: neither waits for the other's turn.
    const admissions = [0, 1].map(() => new RunAdmission({ runtime: served.service.runtime, queue: null, limits: { maxQueuedRuns: 1000, tenantMaxActiveRuns: 1 } }));
    const { promise: bothCounted, resolve } = Promise.withResolvers<void>();
    let counted = 0;
    const outcomes = await Promise.allSettled(admissions.map((admission) => {
      const repos = db.store.forTenant(tenant);
      return admission.admit(repos, async () => {
        // Each found the tenant below its bound; both insert before either recounts.
        if (++counted === 2) resolve();
        await bothCounted;
        return repos.runs.create({ hierarchyId: 'raced', task: 'race', topologySnapshot: {}, owner: null });
      }, async () => {});
    }));
    t.is(outcomes.length, 2);
    const admitted = outcomes.filter((o) => o.status === 'fulfilled');
    t.true(admitted.length <= 1, `${admitted.length} admitted past a bound of 1`);
    for (const o of outcomes) {
      if (o.status === 'rejected') t.like(o.reason, { status: 429, errorCode: 'TENANT_RUN_LIMIT' });
    }
    const repos = db.store.forTenant(tenant);
    t.is(await repos.runs.countActive(), admitted.length, 'a refused start leaves no run record');
    t.is((await repos.runs.list({ page: 1, size: 10 })).total, admitted.length);
    for (const o of admitted) await repos.runs.finish(o.value.id, { status: 'cancelled' }, new Date());
  });

  test.serial(`${backend}: past MAX_QUEUED_RUNS (all slots busy, the queue full) runs/start and /execute answer 429 RUN_QUEUE_FULL`, async (t) => {
    const served = await open({ maxConcurrentRuns: 1, maxQueuedRuns: 2 });
    const api = new Api(t, served.url, uniqueName('queue'));
    const hierarchyId = await slowHierarchy(api);
    for (let i = 0; i < 3; i++) await api.ok('runs/start', { hierarchy_id: hierarchyId, task: `task ${i}` });
    t.is(served.service.runtime.queuedCount, 2);
    expectRefused(t, await api.post('runs/start', { hierarchy_id: hierarchyId, task: 'no room' }), 'RUN_QUEUE_FULL');
    // The queue is the process's: every tenant waits in it.
    const other = api.as(uniqueName('other'));
    expectRefused(t, await other.post('runs/start', { hierarchy_id: await slowHierarchy(other), task: 'no room either' }), 'RUN_QUEUE_FULL');
    expectRefused(t, await api.request('POST', '/execute', { body: { ...(await slowHierarchyBody(api)), task: 'inline' } }), 'RUN_QUEUE_FULL');
    t.is(await totalRuns(api), 3, 'refused starts left no run record');
    t.is(await totalRuns(other), 0);
    // A queued run that is cancelled makes room.
    const queued = (await api.ok('runs/list', { page: 1, size: 1 })).content[0];
    t.is((await api.ok('runs/cancel', { id: queued.id })).status, 'cancelled');
    await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'room again' });
  });
}
