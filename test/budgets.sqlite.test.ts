import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './helpers/backends.ts';
import { allEvents, pollUntil, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer, type CountingProviderOptions } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';
import { metricValue } from './helpers/prometheus-text.ts';
import { agent, askedOf, countedModel, ONE_CALL_TOKENS, post as postTo, RUN_MAX_TOKENS, runToEnd as runOn, team, untilEnded } from './helpers/budget-runs.ts';

// Budgets through a real Cadre process and a real HTTP model server that counts every request:
// a team's budget stops that team alone, the run's ends the run, parallel siblings reserve
// before they call, costs come from the model row's prices, and budgets are validated.

const dbFile = join(tmpdir(), `${uniqueName('cadre_budgets')}.sqlite`);
let cadre: CadreProcess;
const fixtures: CountingProviderServer[] = [];

test.before(async () => {
  cadre = await startCadre({ DATABASE_URL: dbFile, METRICS_PUBLIC: 'true', ...COUNTED_ENV });
});

test.after.always(async () => {
  await cadre?.kill();
  for (const f of fixtures) await f.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

async function fixture(options: CountingProviderOptions = {}, paceMs = 5): Promise<{ server: CountingProviderServer; url: string }> {
  const server = new CountingProviderServer(paceMs, 3, options);
  fixtures.push(server);
  return { server, url: await server.start() };
}

const post = (action: string, body: unknown) => postTo(cadre, action, body);
const model = (name: string, url: string, extra: Record<string, unknown> = {}) => countedModel(cadre, name, url, extra);
const runToEnd = (hierarchyId: string, task: string, extra: Record<string, unknown> = {}) => runOn(cadre, hierarchyId, task, extra);
const asked = askedOf;

test('a team with max_model_calls 2 stops that team alone: its budget.exhausted, the other team completes, the run completes', async (t) => {
  const { server, url } = await fixture();
  const m = await model('budget-team-model', url);
  const h = await post('hierarchies/create', {
    name: 'budget-team', global_supervisor_agent: agent(m, 'You are G.'),
    teams: [team(m, 'T1', ['A', 'B'], { budget: { max_model_calls: 2 } }), team(m, 'T2', ['C', 'D'])],
  });
  t.deepEqual(h.teams[0].budget, { max_model_calls: 2 });
  const run = await runToEnd(h.id, 'team budget task');
  t.is(run.status, 'completed', JSON.stringify(run.error));
  // T1: its supervisor's first call and worker A's answer; then its next call was refused, never made.
  t.is(asked(server, 'T1'), 1);
  t.is(asked(server, 'A'), 1);
  t.is(asked(server, 'B'), 0);
  t.is(asked(server, 'C'), 1);
  t.is(asked(server, 'D'), 1);
  const exhausted = (await allEvents(cadre, run.id)).filter((e) => e.event.category === 'budget' && e.event.action === 'exhausted');
  t.is(exhausted.length, 1);
  t.like(exhausted[0]!.data, { scope: 'team:T1', limit: 'max_model_calls', spent: 2, max: 2 });
  const spend = run.statistics.spend;
  t.deepEqual(spend['team:T1'].budget, { max_model_calls: 2 });
  t.is(spend['team:T1'].spent.model_calls, 2);
  t.is(spend['team:T2'].spent.model_calls, 5);
  t.is(spend.run.spent.model_calls, server.requests.length);
  // The team's typed outcome: budget_exhausted, with worker A's answer as its partial output; the other team's completed.
  const agents = Object.values<any>(run.statistics.agents);
  const t1 = agents.find((a) => a.kind === 'team_supervisor' && a.team_name === 'T1');
  t.like(t1.outcome, { status: 'budget_exhausted' });
  t.regex(t1.outcome.partial_output ?? '', /You are A\. answers/);
  t.like(agents.find((a) => a.kind === 'team_supervisor' && a.team_name === 'T2').outcome, { status: 'completed' });
});

test('a run max_tokens (runs/start overriding the hierarchy\'s) ends the run failed budget_exhausted within one call\'s usage, with its partial results', async (t) => {
  const { server, url } = await fixture();
  const m = await model('budget-run-model', url);
  const h = await post('hierarchies/create', {
    name: 'budget-run', global_supervisor_agent: agent(m, 'You are G.'), budget: { max_tokens: 1_000_000 }, teams: [team(m, 'T', ['A', 'B'])],
  });
  const ONE_CALL = ONE_CALL_TOKENS;
  const MAX = RUN_MAX_TOKENS;
  const failed = await runToEnd(h.id, 'run budget task', { budget: { max_tokens: MAX } });
  t.is(failed.status, 'failed', JSON.stringify({ error: failed.error, spend: failed.statistics?.spend, n: server.requests.length }));
  t.is(failed.error_code, 'budget_exhausted', JSON.stringify({ error: failed.error, spend: failed.statistics?.spend, n: server.requests.length }));
  t.regex(failed.error, /^budget exhausted: max_tokens of the run/);
  t.deepEqual(failed.budget, { max_tokens: MAX });
  const spent = failed.statistics.spend.run.spent.tokens;
  t.true(spent <= MAX + ONE_CALL, `spent ${spent}`);
  t.is(spent, server.requests.length * ONE_CALL);
  // Worker A answered before the budget was spent: its answer is the partial result; B was never asked.
  t.is(asked(server, 'B'), 0);
  t.regex(failed.result ?? '', /\[Team: T \| Worker: A\] You are A\. answers/);
  const events = await allEvents(cadre, failed.id);
  t.like(events.find((e) => e.event.category === 'budget' && e.event.action === 'exhausted')?.data, { scope: 'run', limit: 'max_tokens', max: MAX });
  const end = events.at(-1)!;
  t.like(end, { event: { category: 'lifecycle', action: 'failed' }, data: { error_code: 'budget_exhausted' } });
  // Without the override the hierarchy's (loose) run budget applies: the same task completes.
  const completed = await runToEnd(h.id, 'run budget task, loose');
  t.is(completed.status, 'completed');
  t.is(completed.error_code, null);
  t.is(completed.budget, null);
  t.deepEqual(completed.statistics.spend.run.budget, { max_tokens: 1_000_000 });
  const metrics = await (await fetch(`${cadre.url}/metrics`)).text();
  t.true(metricValue(metrics, 'cadre_budget_exhausted_total', { scope: 'run' }) >= 1);
});

test('parallel reservation holds: four workers fanned out at once under one team max_tokens never overshoot it together', async (t) => {
  const LIMIT = 200;
  const OUT = 40;
  // Adversarial: every answer uses all the output tokens it was allowed.
  // Paced, so the siblings' calls are in flight together even on a loaded machine.
  const { server, url } = await fixture({ parallel: true, usage: ({ maxTokens }) => ({ input: 10, output: maxTokens ?? 1000 }) }, 40);
  const m = await model('budget-parallel-model', url, { max_tokens: OUT });
  const h = await post('hierarchies/create', {
    name: 'budget-parallel', execution_mode: 'parallel', global_supervisor_agent: agent(m, 'You are G.'),
    teams: [team(m, 'T', ['A', 'B', 'C', 'D'], { budget: { max_tokens: LIMIT } })],
  });
  const { id } = await post('runs/start', { hierarchy_id: h.id, task: 'parallel budget task' });
  // While it runs, runs/inspect shows the team's live spend against its budget on its supervisor's node.
  const live = await pollUntil('a live tree with team spend', 30_000, async () => {
    const inspected = await post('runs/inspect', { id });
    const lead = inspected.live ? inspected.tree.children.find((c: any) => c.kind === 'global_supervisor')?.children.find((c: any) => c.kind === 'team_supervisor') : undefined;
    return lead?.subtree_spend.spent.model_calls >= 1 ? lead : undefined;
  }, 20);
  t.like(live.subtree_spend, { scope: 'team:T', budget: { max_tokens: LIMIT } });
  t.is(live.spend.scope, `agent:${live.agent_id}`);
  const run = await untilEnded(cadre, id);
  t.is(run.status, 'completed', JSON.stringify(run.error));
  const workers = server.requests.filter((r) => r.worker);
  t.log(JSON.stringify({ workers: workers.length, spend: run.statistics.spend['team:T'].spent }));
  t.true(workers.length >= 2, `${workers.length} workers called`);
  t.true(workers.length < 4, 'the budget refused at least one sibling');
  // The worker calls were in flight together (each started before another finished).
  t.true(workers.some((a) => workers.some((b) => a !== b && a.startedAt <= b.startedAt && b.startedAt < (a.finishedAt ?? Infinity))),
    JSON.stringify(workers.map((w) => [w.startedAt, w.finishedAt])));
  const teamSpend = run.statistics.spend['team:T'].spent;
  // Slack: what the provider counts of a call's input beyond the estimate (characters / 4), per call in
  // flight; the fixture counts 10 input tokens, below every estimate here, so the slack is 0.
  t.true(teamSpend.tokens <= LIMIT, `team spent ${teamSpend.tokens} of ${LIMIT}`);
  t.true(teamSpend.tokens > LIMIT / 2, `team spent ${teamSpend.tokens}: the limit was what stopped it`);
  const exhausted = (await allEvents(cadre, run.id)).filter((e) => e.event.category === 'budget' && e.event.action === 'exhausted');
  t.true(exhausted.length >= 1);
  t.true(exhausted.every((e) => e.data.scope === 'team:T'));
  // Every worker call made was capped at the output its model allows, or less.
  t.true(Object.values<any>(run.statistics.agents).filter((a) => a.kind === 'worker' && a.model_calls > 0).every((a) => a.output_tokens <= OUT));
});

test('cost comes from the model row\'s prices: per agent, per run and in /metrics', async (t) => {
  const { server, url } = await fixture();
  const m = await model('budget-cost-model', url, { input_price_per_mtok: 1, output_price_per_mtok: 2, cached_input_price_per_mtok: 0.5 });
  t.like(await post('models/get', { id: m }), { input_price_per_mtok: 1, output_price_per_mtok: 2, cached_input_price_per_mtok: 0.5 });
  const h = await post('hierarchies/create', { name: 'budget-cost', global_supervisor_agent: agent(m, 'You are G.'), teams: [team(m, 'T', ['A', 'B'])] });
  const before = metricValue(await (await fetch(`${cadre.url}/metrics`)).text(), 'cadre_model_cost_usd_total', { provider: 'openai-compatible' });
  const run = await runToEnd(h.id, 'cost task');
  t.is(run.status, 'completed');
  const PER_CALL = (10 * 1 + 5 * 2) / 1e6;
  t.true(server.requests.length >= 5);
  t.is(run.statistics.totals.cost_usd, Math.round(server.requests.length * PER_CALL * 1e9) / 1e9);
  const a = Object.values<any>(run.statistics.agents).find((x) => x.agent_name === 'A');
  t.is(a.cost_usd, PER_CALL);
  t.like(a.spend, { tokens: 15, model_calls: 1, cost_usd: PER_CALL });
  // The typed outcome's usage carries the cost too: the team's includes its workers'.
  t.is(a.outcome.usage.cost_usd, PER_CALL);
  const teamLead = Object.values<any>(run.statistics.agents).find((x) => x.kind === 'team_supervisor');
  t.is(teamLead.outcome.usage.cost_usd, Math.round(teamLead.outcome.usage.model_calls * PER_CALL * 1e6) / 1e6);
  t.true(teamLead.outcome.usage.model_calls >= 3);
  t.is(a.budget, null);
  const after = metricValue(await (await fetch(`${cadre.url}/metrics`)).text(), 'cadre_model_cost_usd_total', { provider: 'openai-compatible' });
  t.true(Math.abs(after - before - server.requests.length * PER_CALL) < 1e-9, `${after} - ${before}`);
  // runs/inspect: each agent node carries its spend, supervisors their subtree's.
  const inspected = await post('runs/inspect', { id: run.id });
  const nodes: any[] = [];
  const walk = (n: any) => { nodes.push(n); n.children.forEach(walk); };
  walk(inspected.tree);
  const agents = nodes.filter((n) => n.agent_id);
  t.is(agents.length, 4);
  t.true(agents.every((n) => n.spend.spent.model_calls >= 1));
  t.like(agents.find((n) => n.kind === 'team_supervisor').subtree_spend, { scope: 'team:T' });
  t.like(agents.find((n) => n.kind === 'global_supervisor').subtree_spend, { scope: 'run', spent: { model_calls: server.requests.length } });
});

test('a bad budget is a 400 naming the field, on hierarchies, teams, workers, runs/start; prices too', async (t) => {
  const { url } = await fixture();
  const m = await model('budget-validation-model', url);
  const base = { name: 'budget-validation', global_supervisor_agent: agent(m, 'You are G.'), teams: [team(m, 'T', ['A'])] };
  const worker = { name: 'A', role: 'A', ...agent(m, 'You are A.') };
  const cases: Array<[string, unknown, RegExp]> = [
    ['hierarchies/create', { ...base, budget: { max_tokens: 0 } }, /^budget\.max_tokens: /],
    ['hierarchies/create', { ...base, budget: { max_cost_usd: -1 } }, /^budget\.max_cost_usd: /],
    ['hierarchies/create', { ...base, budget: { max_tokens: 1.5 } }, /^budget\.max_tokens: /],
    ['hierarchies/create', { ...base, teams: [{ ...base.teams[0], budget: { max_model_calls: 'two' } }] }, /^teams\[0\]\.budget\.max_model_calls: /],
    ['hierarchies/create', { ...base, teams: [{ ...base.teams[0], workers: [{ ...worker, budget: { max_tool_calls: -3 } }] }] }, /^teams\[0\]\.workers\[0\]\.budget\.max_tool_calls: /],
    ['hierarchies/create', { ...base, budget: { max_dollars: 3 } }, /budget.*max_dollars/],
    ['models/create', { name: 'priced', model_id: 'x', input_price_per_mtok: -1 }, /^input_price_per_mtok: /],
  ];
  for (const [action, body, error] of cases) {
    const res = await cadre.post(action, body);
    t.is(res.status, 400, `${action} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    t.regex(res.body.error, error);
  }
  const h = await post('hierarchies/create', base);
  const start = await cadre.post('runs/start', { hierarchy_id: h.id, task: 'x', budget: { max_duration_ms: 0 } });
  t.is(start.status, 400);
  t.regex(start.body.error, /^budget\.max_duration_ms: /);
  t.is((await post('runs/list', { hierarchy_id: h.id })).content.length, 0, 'a refused start made no run');
  // hierarchies/update: a budget set, then removed with null.
  t.deepEqual((await post('hierarchies/update', { id: h.id, budget: { max_model_calls: 9 } })).budget, { max_model_calls: 9 });
  t.is((await post('hierarchies/update', { id: h.id, budget: null })).budget, undefined);
});
