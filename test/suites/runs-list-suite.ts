import test from 'ava';
import type { Backend } from '../helpers/backends.ts';
import { expectPage, uniqueTenant, type Api } from '../helpers/api-harness.ts';
import { uniqueName } from '../helpers/backends.ts';
import { useRunHarness } from './sse-suite.ts';
import { ExecutionRun } from '../../src/store/entities/index.ts';
import { TENANT_FILTER } from '../../src/store/tenant-filter.ts';

/** Statistics as a run records them at its end: per agent (with its outcome) and totals. */
function statistics(outcomes: Record<string, string>, totals: Record<string, number>) {
  const agents = Object.fromEntries(Object.entries(outcomes).map(([id, status]) => [id, {
    kind: 'worker', agent_name: id, tasks: 1, outcome: { status, output: null, partial_output: null, error: status === 'completed' ? null : status, usage: {} },
  }]));
  return { agents, totals };
}

/** A two-level hierarchy (one team, one worker) whose worker's model fails on `marker`, its supervisors' never. */
async function hierarchyWithFailingWorker(api: Api, marker: string): Promise<string> {
  const ok = await api.ok('models/create', { name: uniqueName('sim-ok'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 5 } });
  const failing = await api.ok('models/create', { name: uniqueName('sim-fail'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, fail_marker: marker } });
  const h = await api.ok('hierarchies/create', {
    name: uniqueName('h-fail'), execution_mode: 'sequential',
    global_supervisor_agent: { system_prompt: 'You coordinate.', llm_config: { model_id: ok.id } },
    teams: [{
      name: 'Solo', team_supervisor_agent: { system_prompt: 'You lead.', llm_config: { model_id: ok.id } },
      workers: [{ name: 'Fay', role: 'analyst', system_prompt: 'You are Fay.', llm_config: { model_id: failing.id } }],
    }],
  });
  return h.id as string;
}

/** runs/list filters beyond status and hierarchy, and what each run view adds for the list, on every backend. */
export function runsListSuite(backend: Backend): void {
  const harness = useRunHarness(backend);
  const b = backend;

  test(`${b}: runs/list filters by creation time, text (task or id, case-insensitive, wildcards literal) and has_errors`, async (t) => {
    const h = harness();
    const tenant = uniqueTenant();
    const api = h.api(t, tenant);
    const repos = h.db.store.forTenant(tenant);
    const make = async (task: string, created: string, end?: { status: 'completed' | 'failed'; outcomes: Record<string, string> }) => {
      const run = await repos.runs.create({ hierarchyId: 'h-list', task, topologySnapshot: {} });
      const em = h.db.store.orm.em.fork();
      em.setFilterParams(TENANT_FILTER, { tenantId: tenant });
      await em.nativeUpdate(ExecutionRun, { id: run.id }, { createdAt: new Date(created) });
      if (end) {
        const started = new Date(Date.parse(created) + 1000);
        await repos.runs.markRunning(run.id, started);
        const totals = { input_tokens: 120, output_tokens: 45, duration_ms: 5400, cost_usd: 0.0123 };
        t.true(await repos.runs.finish(run.id, { status: end.status, result: 'r', statistics: statistics(end.outcomes, totals) }, new Date(started.getTime() + 3200)));
      }
      return run.id;
    };
    // No digit in any task, so a run id never matches one by its text.
    const sales = await make('Summarise the SALES trends, growth near ten%', '2026-01-01T10:00:00.000Z', { status: 'completed', outcomes: { a: 'completed', b: 'completed' } });
    const memo = await make('Draft the_memo for the board', '2026-01-05T00:00:00.000Z', { status: 'completed', outcomes: { a: 'completed', b: 'failed', c: 'cancelled' } });
    const broken = await make('Reconcile the ledgers', '2026-01-10T12:00:00.000Z', { status: 'failed', outcomes: { a: 'failed' } });
    const waiting = await make('A pending sales review', '2026-02-01T00:00:00.000Z');
    const ids = async (body: Record<string, unknown>) => {
      const page = expectPage(t, await api.post('runs/list', body));
      t.is(page.totalElements, page.content.length, JSON.stringify(body));
      return page.content.map((r: any) => r.id);
    };

    t.deepEqual(await ids({}), [waiting, broken, memo, sales]);
    // created_after is inclusive, created_before exclusive.
    t.deepEqual(await ids({ created_after: '2026-01-05T00:00:00Z', created_before: '2026-01-10T12:00:00Z' }), [memo]);
    t.deepEqual(await ids({ created_after: '2026-01-02T00:00:00+01:00' }), [waiting, broken, memo]);
    t.deepEqual(await ids({ created_before: '2026-01-05T00:00:00.001Z' }), [memo, sales]);
    t.deepEqual(await ids({ q: 'sales' }), [waiting, sales], 'case-insensitive: SALES and sales');
    t.deepEqual(await ids({ q: 'SALES TRENDS' }), [sales]);
    t.deepEqual(await ids({ q: '%' }), [sales], 'a % is a literal, not a wildcard');
    t.deepEqual(await ids({ q: 'the_memo' }), [memo]);
    t.deepEqual(await ids({ q: '_' }), [memo], 'an _ is a literal');
    t.deepEqual(await ids({ q: '!' }), []);
    t.deepEqual(await ids({ q: String(broken) }), [broken], 'all digits: the run id');
    t.deepEqual(await ids({ q: 'ledgers', status: 'failed' }), [broken]);
    t.deepEqual(await ids({ q: 'ledgers', status: 'completed' }), []);
    t.deepEqual(await ids({ has_errors: true }), [broken, memo]);
    t.deepEqual(await ids({ has_errors: false }), [waiting, sales]);
    t.deepEqual(await ids({ has_errors: true, status: 'completed' }), [memo], 'completed with errors');
    t.deepEqual(await ids({ has_errors: true, created_after: '2026-01-06T00:00:00Z', q: 'ledger' }), [broken]);
    // Paged: the total counts every match, the page holds its share.
    const paged = expectPage(t, await api.post('runs/list', { q: 'the', size: 1, page: 2 }));
    t.like(paged, { totalElements: 3, totalPages: 3 });
    t.deepEqual(paged.content.map((r: any) => r.id), [memo]);
    // Another tenant's runs never match, whatever the filter.
    t.is(expectPage(t, await api.as(uniqueTenant()).post('runs/list', { q: 'sales' })).totalElements, 0);

    const views = new Map(expectPage(t, await api.post('runs/list', {})).content.map((r: any) => [r.id, r]));
    t.like(views.get(memo), { completed_with_errors: true, error_count: 2, duration_ms: 3200, agent_time_ms: 5400, input_tokens: 120, output_tokens: 45, cost_usd: 0.0123, status: 'completed' });
    t.like(views.get(sales), { completed_with_errors: false, error_count: 0, duration_ms: 3200 });
    t.like(views.get(broken), { completed_with_errors: false, error_count: 1, status: 'failed' });
    t.like(views.get(waiting), { completed_with_errors: false, error_count: null, duration_ms: null, input_tokens: null, cost_usd: null });

    await api.fails('runs/list', { q: 'x'.repeat(201) }, 400, 'q');
    await api.fails('runs/list', { q: '   ' }, 400, 'q');
    await api.fails('runs/list', { created_after: 'yesterday' }, 400, 'created_after');
    await api.fails('runs/list', { created_before: '2026-01-05' }, 400, 'created_before');
    await api.fails('runs/list', { has_errors: 'yes' }, 400, 'has_errors');
  });

  test(`${b}: a run whose only worker failed completes with errors: runs/get and runs/list say so`, async (t) => {
    const h = harness();
    const tenant = uniqueTenant();
    const api = h.api(t, tenant);
    const hierarchyId = await hierarchyWithFailingWorker(api, 'EXPLODE');
    const runId = await h.start(api, hierarchyId, 'Please EXPLODE the numbers');
    const stream = await h.stream(runId, { headers: { 'x-tenant-id': tenant } });
    t.is(stream.frames.at(-2)?.event, 'lifecycle.completed');

    const run = await api.ok('runs/get', { id: runId });
    const outcomes = Object.values(run.statistics.agents).map((a: any) => [a.agent_name, a.outcome?.status]);
    t.true(outcomes.length > 0);
    t.deepEqual(outcomes.filter(([, s]) => s !== 'completed'), [['Fay', 'failed']], JSON.stringify(outcomes));
    t.like(run, { status: 'completed', completed_with_errors: true, error_count: 1 });
    t.is(run.duration_ms, Date.parse(run.completed_at) - Date.parse(run.started_at));
    t.is(run.agent_time_ms, run.statistics.totals.duration_ms);
    t.is(run.input_tokens, run.statistics.totals.input_tokens);
    t.true(run.input_tokens > 0);
    t.deepEqual(expectPage(t, await api.post('runs/list', { has_errors: true })).content.map((r: any) => [r.id, r.completed_with_errors]), [[runId, true]]);
    t.is(expectPage(t, await api.post('runs/list', { has_errors: false })).totalElements, 0);
  });
}
