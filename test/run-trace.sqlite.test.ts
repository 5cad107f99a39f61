import test from 'ava';
import type { Api } from './helpers/api-harness.ts';
import { expectError, uniqueTenant } from './helpers/api-harness.ts';
import { uniqueName } from './helpers/backends.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { useRunHarness } from './suites/sse-suite.ts';

/**
 * runs/trace and runs/trace/span over real simulated runs on SQLite: the spans of the sample
 * hierarchy (Ada with the calculator, Bob on a model that fails him), their nesting, figures and
 * detail; a live run's open spans; and tenancy.
 */
const harness = useRunHarness('sqlite');

/** The sample hierarchy on priced simulated models: Bob's fails every call made for him. */
async function hierarchy(api: Api, tokenDelayMs = 0): Promise<string> {
  const prices = { input_price_per_mtok: 3, output_price_per_mtok: 15 };
  const params = { token_delay_ms: tokenDelayMs, reply_tokens: 10, jitter_ms: 0 };
  const sim = await api.ok('models/create', { name: uniqueName('trace-sim'), model_id: 'sim', provider: 'simulated', params, ...prices });
  const failing = await api.ok('models/create', {
    name: uniqueName('trace-fail'), model_id: 'sim', provider: 'simulated', params: { ...params, fail_marker: 'Worker: Bob' }, ...prices,
  });
  const h = sampleHierarchyInput({ name: uniqueName('trace-h') });
  const llm_config = { model_id: sim.name };
  const created = await api.ok('hierarchies/create', {
    ...h,
    global_supervisor_agent: { ...h.global_supervisor_agent, llm_config },
    teams: h.teams.map((team) => ({
      ...team,
      team_supervisor_agent: { ...team.team_supervisor_agent, llm_config },
      workers: team.workers.map((w) => ({
        ...w, llm_config: { model_id: w.name === 'Bob' ? failing.name : sim.name }, ...(w.name === 'Ada' && { tools: ['calculator'] }),
      })),
    })),
  });
  return created.id as string;
}

async function allEvents(api: Api, id: number): Promise<any[]> {
  const events: any[] = [];
  for (let start = '-'; ;) {
    const page = await api.ok('runs/events', { id, start_id: start, limit: 1000 });
    events.push(...page.events);
    if (!page.has_more) return events;
    start = page.next_id;
  }
}

test('an ended run: its spans nest as the actor tree, with the figures of its statistics, and a span opens into its detail', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('trace');
  const api = h.api(t, tenant);
  const runId = await h.start(api, await hierarchy(api), 'Compute 2+2 and summarise the Q3 sales trends');
  await h.stream(runId, { headers: { 'x-tenant-id': tenant } });
  const run = await api.ok('runs/get', { id: runId });
  const trace = await api.ok('runs/trace', { id: runId });
  t.like(trace, { run_id: runId, status: run.status, trace_id: null, trace_url: null, truncated: false });
  const spans = trace.spans as any[];
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const parentOf = (s: any) => byId.get(s.parent_id);
  const tasks = spans.filter((s) => s.kind === 'agent_task');

  // One run span; under it the global supervisor's task; a task for each team and each worker, nested as the tree.
  t.deepEqual(spans.filter((s) => s.parent_id === null).map((s) => s.kind), ['run']);
  t.deepEqual(tasks.map((s) => s.name).sort(), ['Ada', 'Bob', 'Cy', 'Global Supervisor', 'team Analysts', 'team Writers']);
  const task = (name: string) => tasks.find((s) => s.name === name);
  t.is(parentOf(task('Global Supervisor')).kind, 'run');
  for (const team of ['team Analysts', 'team Writers']) t.is(task(team).parent_id, task('Global Supervisor').span_id);
  for (const worker of ['Ada', 'Bob']) t.is(task(worker).parent_id, task('team Analysts').span_id);
  t.is(task('Cy').parent_id, task('team Writers').span_id);
  // Each model call under a task of its own agent; the calculator under Ada's task.
  const calls = spans.filter((s) => s.kind === 'model_call');
  const events = await allEvents(api, runId);
  t.is(calls.length, events.filter((e) => e.event.action === 'call_completed').length);
  t.true(calls.length >= 8, `${calls.length} model calls`);
  for (const call of calls) t.like(parentOf(call), { kind: 'agent_task', agent_id: call.agent_id });
  const tool = spans.find((s) => s.kind === 'tool_call' && s.name === 'calculator');
  t.like(tool, { parent_id: task('Ada').span_id, status: 'ok', attributes: { result: '4' } });
  // Every span ended inside its parent, on the run's time axis.
  for (const span of spans) {
    t.not(span.status, 'running', span.span_id);
    t.true(span.start_ms >= 0 && span.end_ms >= span.start_ms && span.duration_ms === span.end_ms - span.start_ms, span.span_id);
    const parent = parentOf(span);
    if (parent) t.true(span.start_ms >= parent.start_ms && span.end_ms <= parent.end_ms, `${span.span_id} within ${parent.span_id}`);
  }
  // Bob's call failed and so did his task; the run went on.
  const bobCall = calls.find((s) => s.agent_name === 'Bob');
  t.like(bobCall, { status: 'error' });
  t.regex(bobCall.error, /fail marker/);
  t.like(task('Bob'), { status: 'error' });
  // The totals are the statistics' figures; the run's cost is priced.
  const totals = run.statistics.totals;
  // (The statistics count the calls that answered; the trace every call made, Bob's failed one too.)
  const failed = calls.filter((s) => s.status === 'error').length;
  t.is(failed, 1);
  t.like(trace.totals, { model_calls: totals.model_calls + failed, input_tokens: totals.input_tokens, output_tokens: totals.output_tokens, tool_calls: 1 });
  t.true(trace.totals.errors >= 2);
  t.true(trace.totals.cost_usd > 0);
  t.is(Math.round(trace.totals.cost_usd * 1e9), Math.round(totals.cost_usd * 1e9));
  t.is(trace.totals.wall_ms, byId.get('run').duration_ms);
  t.like(byId.get('run'), { status: 'ok', usage: { input_tokens: totals.input_tokens, output_tokens: totals.output_tokens } });

  // Ada's second call: its whole input (her task, the call and the calculator's answer), her system prompt, the output.
  const ada = calls.filter((s) => s.agent_name === 'Ada');
  t.is(ada.length, 2);
  const detail = await api.ok('runs/trace/span', { id: runId, span_id: ada[1].span_id });
  t.is(detail.span.span_id, ada[1].span_id);
  t.is(detail.detail.system, 'You are Ada, a data analyst.');
  const roles = detail.detail.messages.map((m: any) => m.role);
  t.deepEqual(roles, ['user', 'assistant', 'tool']);
  t.regex(JSON.stringify(detail.detail.messages[0]), /Compute 2\+2/);
  t.is(detail.detail.messages[2].content[0].output.value, '4');
  t.true(detail.detail.output_text.length > 0);
  const first = await api.ok('runs/trace/span', { id: runId, span_id: ada[0].span_id });
  t.like(first.detail.tool_calls[0], { tool_name: 'calculator' });
  const toolDetail = await api.ok('runs/trace/span', { id: runId, span_id: tool.span_id });
  t.like(toolDetail.detail, { result: '4', is_error: false, tool_source: 'builtin' });
  // GET works too (?id=, ?span_id=).
  const got = await api.get(`${API_PREFIX}/runs/trace?id=${runId}&tenantId=${tenant}`);
  t.is(got.body.data.spans.length, spans.length);
  const gotSpan = await api.get(`${API_PREFIX}/runs/trace/span?id=${runId}&span_id=${encodeURIComponent(tool.span_id)}&tenantId=${tenant}`);
  t.is(gotSpan.body.data.span.span_id, tool.span_id);

  // Errors name the field or the span.
  await api.fails('runs/trace/span', { id: runId }, 400, 'span_id');
  await api.fails('runs/trace/span', { id: runId, span_id: 'call:nobody#1' }, 404, 'span_id', 'SPAN_NOT_FOUND');
  await api.fails('runs/trace', { id: 'x' }, 400, 'id');
});

test('another tenant gets 404 for the run, its trace and its spans', async (t) => {
  const h = harness();
  const owner = h.api(t, uniqueTenant('trace-owner'));
  const runId = await h.start(owner, await hierarchy(owner));
  await h.stream(runId, { headers: { 'x-tenant-id': owner.tenant! } });
  const trace = await owner.ok('runs/trace', { id: runId });
  t.true(trace.spans.length > 0);
  const other = owner.as(uniqueTenant('trace-other'));
  await other.fails('runs/trace', { id: runId }, 404, undefined, 'RUN_NOT_FOUND');
  await other.fails('runs/trace/span', { id: runId, span_id: 'run' }, 404, undefined, 'RUN_NOT_FOUND');
  expectError(t, await other.get(`${API_PREFIX}/runs/trace?id=${runId}`), 404, undefined, 'RUN_NOT_FOUND');
});

test('a live run: the spans in progress are open (end null, running) and the run ends them all', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('trace-live');
  const api = h.api(t, tenant);
  const runId = await h.start(api, await hierarchy(api, 15), 'Compute 2+2 slowly');
  const deadline = Date.now() + 30_000;
  let live: any;
  // Until a model call is seen in flight (its tokens take 15 ms each).
  while (Date.now() < deadline) {
    live = await api.ok('runs/trace', { id: runId });
    if (live.spans.some((s: any) => s.kind === 'model_call' && s.status === 'running')) break;
  }
  const open = live.spans.filter((s: any) => s.status === 'running');
  t.true(open.some((s: any) => s.kind === 'model_call'), 'a model call in flight');
  t.true(open.some((s: any) => s.kind === 'run'));
  for (const span of open) t.like(span, { end: null, end_ms: null, duration_ms: null });
  t.is(live.status, 'running');
  t.true(live.now_ms >= Math.max(...live.spans.map((s: any) => s.start_ms)));
  t.is(live.totals.wall_ms, live.now_ms);
  await h.stream(runId, { headers: { 'x-tenant-id': tenant } });
  const ended = await api.ok('runs/trace', { id: runId });
  t.true(ended.spans.length > live.spans.length);
  t.deepEqual(ended.spans.filter((s: any) => s.status === 'running'), []);
  // Span ids are stable: every span seen live is in the ended trace, where it began.
  const after = new Map(ended.spans.map((s: any) => [s.span_id, s]));
  for (const span of live.spans) t.is((after.get(span.span_id) as any)?.start, span.start, span.span_id);
});

test('the OpenAPI document describes runs/trace and runs/trace/span: their bodies, the span, and the 404s', async (t) => {
  const api = harness().api(t);
  const doc = (await api.get('/v3/api-docs')).body;
  for (const path of ['runs/trace', 'runs/trace/span']) {
    const ops = doc.paths[`${API_PREFIX}/${path}`];
    t.truthy(ops?.post && ops?.get, `${path}: POST and GET`);
    t.regex(ops.post.responses['404'].description, path === 'runs/trace' ? /RUN_NOT_FOUND/ : /SPAN_NOT_FOUND/);
  }
  const span = doc.components.schemas.TraceSpan;
  t.deepEqual(span.properties.kind.enum, ['run', 'agent_task', 'model_call', 'tool_call', 'human_wait']);
  t.deepEqual(span.properties.status.enum, ['ok', 'error', 'cancelled', 'running']);
  t.truthy(doc.components.schemas.RunTrace.properties.totals);
});
