import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import type { Backend } from '../helpers/backends.ts';
import { uniqueName } from '../helpers/backends.ts';
import { expectPage, type Api } from '../helpers/api-harness.ts';
import { openSse, eventFrames } from '../helpers/sse-client.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { useRunHarness, type RunHarness } from './sse-suite.ts';
import { HierarchyTeam } from '../../src/store/entities/index.ts';

/** The original's own request examples (shared/reference/examples), as its clients send them. */
function example(name: 'simple_request' | 'multi_team_parallel_request'): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/original-examples/${name}.json`, import.meta.url), 'utf8'));
}


async function execute(url: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${url}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: signal ?? AbortSignal.timeout(90_000) });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

async function fastModel(api: Api): Promise<string> {
  const name = uniqueName('exec-sim');
  await api.ok('models/create', { name, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: 8 } });
  return name;
}

/** The answer's shape as the original gave it, for a run that completed. */
function expectCompleted(t: ExecutionContext, answer: { status: number; body: any; text: string }, teams: number): void {
  t.is(answer.status, 200, answer.text.slice(0, 500));
  const body = answer.body;
  t.is(body.success, true);
  t.is(body.status, 'completed');
  t.is(body.error, null);
  t.true(typeof body.result === 'string' && body.result.length > 0);
  t.is(typeof body.topology.global_supervisor_id, 'string');
  t.is(body.topology.teams.length, teams);
  for (const team of body.topology.teams) {
    t.truthy(team.team_id);
    t.truthy(team.supervisor_id);
    t.true(team.workers.length > 0);
    for (const w of team.workers) t.truthy(w.worker_id && w.worker_name && w.role);
  }
  t.true(body.events.length > 0);
  t.deepEqual(body.events.map((e: any) => e.sequence), body.events.map((_: unknown, i: number) => i + 1));
  t.true(body.events.every((e: any) => e.run_id === body.run_id));
  t.like(body.events.at(-1), { event: { category: 'lifecycle', action: 'completed' } });
  t.is(typeof body.statistics, 'object');
}

/** The hierarchy an /execute run was made with, as stored (the API hides it): its name and config. */
async function inlineHierarchy(h: RunHarness, id: string): Promise<Record<string, any>> {
  const row = await h.db.store.orm.em.fork().findOneOrFail(HierarchyTeam, { id }, { filters: false });
  if (row.origin !== 'execute') throw new Error(`an /execute hierarchy has origin "execute", not "${row.origin}"`);
  return { name: row.name, ...row.config };
}

/** The original's legacy synchronous `POST /execute`, on every backend. */
export function executeSuite(backend: Backend): void {
  const harness = useRunHarness(backend);
  const b = backend;

  test(`${b}: POST /execute runs the original's examples (new and older form) and answers 200 when they end`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const model = await fastModel(api);
    for (const [name, teams] of [['simple_request', 1], ['multi_team_parallel_request', 3]] as const) {
      const body = example(name);
      body.global_model_id = model; // the older form's top-level model field, inherited by every agent
      const answer = await execute(h.server.url, body);
      expectCompleted(t, answer, teams);
      // It is a run like any other: recorded, listed, its events stored.
      const run = await api.ok('runs/get', { id: answer.body.run_id });
      t.like(run, { status: 'completed', task: body.task, result: answer.body.result });
      const stored = await api.ok('runs/events', { id: answer.body.run_id, limit: 1000 });
      t.deepEqual(stored.events.map((e: any) => e.sequence), answer.body.events.map((e: any) => e.sequence));
      const listed = expectPage(t, await api.post('runs/list', { hierarchy_id: run.hierarchy_id }));
      t.deepEqual(listed.content.map((r: any) => r.id), [answer.body.run_id]);
      // Made for this run only: hidden from the tenant's hierarchies (it is read from the store here).
      await api.fails('hierarchies/get', { id: run.hierarchy_id }, 404);
      const hierarchy = await inlineHierarchy(h, run.hierarchy_id);
      t.regex(hierarchy.name, /^execute:/);
      t.is(hierarchy.execution_mode, body.execution_mode);
      // The examples' workers use the calculator, as the original's did.
      const toolResults = answer.body.events.filter((e: any) => e.event.action === 'tool_result' && e.source?.agent_type === 'worker');
      t.true(toolResults.length > 0, 'a worker used a tool');
      t.true(toolResults.every((e: any) => e.data.tool_name === 'calculator' && e.data.is_error === false), JSON.stringify(toolResults.map((e: any) => e.data)));
    }
  });

  test(`${b}: POST /execute accepts the older prompt form with flat LLM fields and the original's defaults`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const model = await fastModel(api);
    const answer = await execute(h.server.url, {
      global_prompt: 'You coordinate.', global_temperature: 0.2, global_model_id: model,
      teams: [{
        name: 'Alpha', supervisor_prompt: 'You lead Alpha.', max_tokens: 512,
        workers: [{ name: 'Ann', role: 'analyst', system_prompt: 'You are Ann.', temperature: 1.1 }, { name: 'Ben', role: 'writer', system_prompt: 'You are Ben.' }],
      }],
      task: 'Summarise the quarter',
    });
    expectCompleted(t, answer, 1);
    t.deepEqual(answer.body.topology.teams[0].workers.map((w: any) => w.worker_name), ['Ann', 'Ben']);
    const run = await api.ok('runs/get', { id: answer.body.run_id });
    const hierarchy = await inlineHierarchy(h, run.hierarchy_id);
    t.is(hierarchy.execution_mode, 'sequential');
    t.like(hierarchy.global_supervisor_agent, { system_prompt: 'You coordinate.', llm_config: { model_id: model, temperature: 0.2, max_tokens: 2048 } });
    const [team] = hierarchy.teams;
    t.like(team, { prevent_duplicate: true, share_context: false, team_supervisor_agent: { system_prompt: 'You lead Alpha.', llm_config: { temperature: 0.2, max_tokens: 512 } } });
    t.like(team.workers[0], { llm_config: { temperature: 1.1, max_tokens: 2048, model_id: model } });
    t.like(team.workers[1], { llm_config: { temperature: 0.2, max_tokens: 2048 } });
  });

  test(`${b}: POST /execute names the missing field with the original's words`, async (t) => {
    const h = harness();
    const tenant = uniqueName('exec-errors');
    const full = example('simple_request');
    const cases: Array<[Record<string, unknown> | string, RegExp]> = [
      [{ ...full, teams: undefined }, /^Missing required field: 'teams'$/],
      [{ ...full, teams: [] }, /^Missing required field: 'teams'$/],
      [{ ...full, task: undefined }, /^Missing required field: 'task'$/],
      [{ ...full, global_supervisor_agent: undefined }, /^Missing required field: 'global_supervisor_agent.system_prompt'$/],
      [{ ...full, teams: [{ ...full.teams[0], workers: [] }] }, /^Missing required field: 'teams\[0\].workers'$/],
      [{ ...full, teams: [{ ...full.teams[0], name: '' }] }, /^Missing required field: 'teams\[0\].name'$/],
      [{ ...full, teams: [{ ...full.teams[0], team_supervisor_agent: {} }] }, /^Missing required field: 'teams\[0\].team_supervisor_agent.system_prompt'$/],
      [{ ...full, teams: [{ ...full.teams[0], workers: [{ name: 'W', system_prompt: 'p' }] }] }, /^Missing required field: 'teams\[0\].workers\[0\].role'$/],
      [{ ...full, execution_mode: 'sideways' }, /^execution_mode: /],
      ['{"teams": [', /^body: malformed JSON/],
    ];
    t.true(cases.length > 0);
    for (const [body, error] of cases) {
      const res = await fetch(`${h.server.url}/execute`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tenant-id': tenant }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      const answer = await res.json() as any;
      t.is(res.status, 400, JSON.stringify(answer));
      t.is(answer.success, false);
      t.regex(answer.error, error);
    }
    // Nothing refused above started a run or stored a hierarchy.
    t.is(expectPage(t, await h.api(t, tenant).post('hierarchies/list', { size: 100 })).content.length, 0);
    t.is(expectPage(t, await h.api(t, tenant).post('runs/list', {})).totalElements, 0);
  });

  test(`${b}: an /execute run is streamable and cancellable while it executes; a client that leaves cancels its run`, async (t) => {
    const h = harness();
    const api = h.api(t, uniqueName('exec-tenant'));
    const name = uniqueName('exec-slow');
    await api.ok('models/create', { name, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 40, reply_tokens: 30 } });
    const body = { ...example('simple_request'), global_model_id: name, tenantId: api.tenant };

    for (const how of ['runs/cancel', 'client leaves'] as const) {
      const client = new AbortController();
      const answer = execute(h.server.url, body, client.signal).catch((err: Error) => ({ status: 0, body: null, text: err.name }));
      // The run appears in the tenant's list at once; follow it live as any run.
      let runId: number | undefined;
      for (let tries = 0; runId === undefined && tries < 500; tries++) {
        runId = expectPage(t, await api.post('runs/list', { status: 'running' })).content[0]?.id;
      }
      t.truthy(runId, 'the /execute run is listed while it runs');
      const stream = await openSse(`${h.server.url}${API_PREFIX}/runs/stream?id=${runId}`, { headers: { 'x-tenant-id': api.tenant! } });
      t.truthy(await stream.until((f) => f.event === 'llm.stream'), 'streams tokens live');
      if (how === 'runs/cancel') await api.ok('runs/cancel', { id: runId });
      else client.abort();
      await stream.until((f) => f.event === 'close');
      t.like(JSON.parse(eventFrames(stream.frames).at(-1)!.data), { event: { category: 'lifecycle', action: 'cancelled' } });
      t.is((await api.ok('runs/get', { id: runId })).status, 'cancelled');
      const result = await answer;
      if (how === 'runs/cancel') {
        t.is(result.status, 200);
        t.like(result.body, { success: false, status: 'cancelled', run_id: runId });
      } else {
        t.is(result.text, 'AbortError');
      }
    }
  });
}
