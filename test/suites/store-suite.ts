import test from 'ava';
import { createTestDatabase, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { normaliseHierarchy } from '../../src/domain/hierarchy-normalise.ts';
import { registeredToolNames } from '../../src/tools/tool-registry.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';

/** The repositories' contract, run against every database backend. */
export function storeSuite(backend: Backend): void {
  let db: TestDatabase;
  test.before(async () => {
    db = await createTestDatabase(backend);
  });
  test.after.always(async () => {
    await db?.drop();
  });

  test(`${backend}: models round-trip every field`, async (t) => {
    const repos = db.store.forTenant('t-models');
    const created = await repos.models.create({
      name: 'gpt', model_id: 'gpt-4o', provider: 'openai', base_url: 'https://example.test/v1', region: null,
      temperature: 0.7, max_tokens: 512, top_p: 0.9, description: 'd', is_active: true,
      params: { nested: { a: [1, 2] } }, api_key_env: 'OPENAI_API_KEY',
    });
    const found = await db.store.forTenant('t-models').models.find(created.id);
    t.truthy(found);
    t.is(found!.temperature, 0.7);
    t.is(found!.topP, 0.9);
    t.is(found!.maxTokens, 512);
    t.deepEqual(found!.params, { nested: { a: [1, 2] } });
    t.is(found!.apiKeyEnv, 'OPENAI_API_KEY');
    const updated = await repos.models.update(created.id, { temperature: 1.5, is_active: false });
    t.is(updated!.temperature, 1.5);
    t.false(updated!.isActive);
    t.true(await repos.models.delete(created.id));
    t.is(await repos.models.find(created.id), null);
  });

  test(`${backend}: a tenant never sees, changes or deletes another tenant's rows`, async (t) => {
    const a = db.store.forTenant('tenant-a');
    const model = await a.models.create({ name: 'shared-name', model_id: 'm', provider: 'simulated' });
    const hierarchy = await a.hierarchies.create({
      name: 'h', description: null, config: normaliseHierarchy(sampleHierarchyInput(), registeredToolNames), isActive: true,
    });
    const run = await a.runs.create({ hierarchyId: hierarchy.id, task: 'x', topologySnapshot: {} });
    const b = db.store.forTenant('tenant-b');
    t.is(await b.models.find(model.id), null);
    t.is(await b.models.findByRef(model.id), null);
    t.is(await b.models.findByRef('shared-name'), null);
    t.is(await b.hierarchies.find(hierarchy.id), null);
    t.is(await b.runs.find(run.id), null);
    t.is((await b.models.list({ page: 1, size: 100 })).total, 0);
    t.is((await b.runs.list({ page: 1, size: 100 })).total, 0);
    t.is(await b.models.update(model.id, { name: 'stolen' }), null);
    t.false(await b.models.delete(model.id));
    t.false(await b.hierarchies.delete(hierarchy.id));
    t.false(await b.runs.finish(run.id, { status: 'failed', error: 'x' }, new Date()));
    // The same name is free in another tenant.
    await t.notThrowsAsync(b.models.create({ name: 'shared-name', model_id: 'm', provider: 'simulated' }));
    const still = await db.store.forTenant('tenant-a').models.find(model.id);
    t.is(still!.name, 'shared-name');
    t.is((await db.store.forTenant('tenant-a').runs.find(run.id))!.status, 'pending');
  });

  test(`${backend}: duplicate names within a tenant violate the unique key`, async (t) => {
    const repos = db.store.forTenant('t-dup');
    await repos.models.create({ name: 'dup', model_id: 'm', provider: 'simulated' });
    const again = db.store.forTenant('t-dup');
    const err = await t.throwsAsync(again.models.create({ name: 'dup', model_id: 'm', provider: 'simulated' }));
    t.is(err!.name, 'UniqueConstraintViolationException');
  });

  test(`${backend}: hierarchies keep their config and bump version on config change`, async (t) => {
    const repos = db.store.forTenant('t-h');
    const config = normaliseHierarchy(sampleHierarchyInput(), registeredToolNames);
    const created = await repos.hierarchies.create({ name: 'h1', description: 'desc', config, isActive: true });
    t.is(created.version, 1);
    const found = await db.store.forTenant('t-h').hierarchies.find(created.id);
    t.deepEqual(found!.config, config);
    const renamed = await repos.hierarchies.update(created.id, { name: 'h2' });
    t.is(renamed!.version, 1);
    const changed = await repos.hierarchies.update(created.id, { config: { ...config, execution_mode: 'parallel' } });
    t.is(changed!.version, 2);
    t.is(changed!.config.execution_mode, 'parallel');
  });

  test(`${backend}: run ids increase, status moves once to an end, list filters`, async (t) => {
    const repos = db.store.forTenant('t-runs');
    const first = await repos.runs.create({ hierarchyId: 'h-1', task: 'one', topologySnapshot: { teams: [] } });
    const second = await repos.runs.create({ hierarchyId: 'h-2', task: 'two', topologySnapshot: {} });
    t.true(Number.isInteger(first.id));
    t.true(second.id > first.id);
    t.is(first.status, 'pending');
    // Whole milliseconds in the past, so every backend stores them exactly (no time zone shift, no rounding).
    const startedAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const completedAt = new Date(startedAt.getTime() + 1_234);
    await repos.runs.markRunning(first.id, startedAt, 'a'.repeat(32));
    const running = (await repos.runs.find(first.id))!;
    t.is(running.status, 'running');
    t.is(running.startedAt?.toISOString(), startedAt.toISOString());
    t.is(running.traceId, 'a'.repeat(32));
    t.true(await repos.runs.finish(first.id, { status: 'completed', result: 'done', statistics: { calls: 3, agents: { 'w-1': { outcome: { status: 'failed' } } } } }, completedAt));
    t.false(await repos.runs.finish(first.id, { status: 'failed', error: 'late' }, new Date()));
    const done = await repos.runs.find(first.id);
    t.is(done!.status, 'completed');
    t.is(done!.result, 'done');
    t.deepEqual(done!.statistics, { calls: 3, agents: { 'w-1': { outcome: { status: 'failed' } } } });
    t.is(done!.completedAt?.toISOString(), completedAt.toISOString());
    t.is(done!.error, null);
    // agent_errors is written with the end: the list filters on it in SQL.
    t.deepEqual((await repos.runs.list({ page: 1, size: 10, hasErrors: true })).items.map((r) => r.id), [first.id]);
    t.deepEqual((await repos.runs.list({ page: 1, size: 10, status: 'completed' })).items.map((r) => r.id), [first.id]);
    t.deepEqual((await repos.runs.list({ page: 1, size: 10, hierarchyId: 'h-2' })).items.map((r) => r.id), [second.id]);
  });

  test.serial(`${backend}: unfinished runs are listed across tenants for start-up recovery`, async (t) => {
    const a = db.store.forTenant('t-unfinished-a');
    const b = db.store.forTenant('t-unfinished-b');
    const pending = await a.runs.create({ hierarchyId: 'h', task: 'x', topologySnapshot: {} });
    const running = await b.runs.create({ hierarchyId: 'h', task: 'y', topologySnapshot: {} });
    await b.runs.markRunning(running.id, new Date());
    const done = await a.runs.create({ hierarchyId: 'h', task: 'z', topologySnapshot: {} });
    await a.runs.finish(done.id, { status: 'completed', result: 'r' }, new Date());
    const unfinished = await db.store.unfinishedRuns();
    t.deepEqual(unfinished.filter((r) => r.tenantId.startsWith('t-unfinished')), [
      { id: pending.id, tenantId: 't-unfinished-a' }, { id: running.id, tenantId: 't-unfinished-b' },
    ]);
  });

  test(`${backend}: seeding creates the simulated model once`, async (t) => {
    await db.store.seedDefaults('t-seed');
    await db.store.seedDefaults('t-seed');
    const models = await db.store.forTenant('t-seed').models.list({ page: 1, size: 10 });
    t.deepEqual(models.items.map((m) => [m.name, m.provider]), [['simulated', 'simulated']]);
  });
}
