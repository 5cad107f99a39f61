import test from 'ava';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { expectPage, uniqueTenant, useApiHarness } from '../helpers/api-harness.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';
import type { HierarchyCreate } from '../../src/domain/hierarchy-schemas.ts';
import { HierarchyTeam } from '../../src/store/entities/index.ts';

/** Every agent of a hierarchy answer, with its path. */
function agentsOf(h: any): Array<[string, any]> {
  return [
    ['global_supervisor_agent', h.global_supervisor_agent],
    ...h.teams.flatMap((team: any, t: number) => [
      [`teams[${t}].team_supervisor_agent`, team.team_supervisor_agent],
      ...team.workers.map((w: any, i: number) => [`teams[${t}].workers[${i}]`, w]),
    ]),
  ];
}

/** The sample hierarchy under a unique name, as plain JSON (undefined fields dropped). */
function sample(overrides: Partial<HierarchyCreate> = {}): any {
  return JSON.parse(JSON.stringify(sampleHierarchyInput({ name: uniqueName('h'), ...overrides })));
}

/** The hierarchies endpoints over HTTP, run against every database backend. */
export function apiHierarchiesSuite(backend: Backend): void {
  const harness = useApiHarness(backend);
  const b = backend;

  test(`${b}: create fills defaults and gives every agent a unique id; get returns the same`, async (t) => {
    const api = harness().api(t);
    const input = sample({ execution_mode: undefined });
    const created = await api.ok('hierarchies/create', input);
    t.regex(created.id, /^[0-9a-f-]{36}$/i);
    t.like(created, { name: input.name, description: null, execution_mode: 'sequential', enable_context_sharing: false, is_active: true, version: 1 });
    t.deepEqual(created.teams.map((team: any) => [team.name, team.prevent_duplicate, team.share_context, team.workers.map((w: any) => w.name)]),
      [['Analysts', true, false, ['Ada', 'Bob']], ['Writers', true, false, ['Cy']]]);
    t.like(created.teams[0].workers[0], { role: 'data analyst', system_prompt: 'You are Ada, a data analyst.', tools: [] });
    const ids = agentsOf(created).map(([path, agent]) => {
      t.is(typeof agent.agent_id, 'string', `${path}.agent_id`);
      t.true(agent.agent_id.length > 0, `${path}.agent_id`);
      return agent.agent_id;
    });
    t.is(ids.length, 6);
    t.is(new Set(ids).size, ids.length, `agent ids are unique: ${ids.join(', ')}`);
    t.deepEqual(await api.ok('hierarchies/get', { id: created.id }), created);

    // Explicit ids are kept, and generated ones step around them.
    const explicit = sample({ execution_mode: 'parallel', enable_context_sharing: true, description: 'd' });
    explicit.global_supervisor_agent.agent_id = 'boss';
    explicit.teams[0].workers[0].agent_id = created.global_supervisor_agent.agent_id;
    explicit.teams[1].prevent_duplicate = false;
    explicit.teams[1].workers[0] = { ...explicit.teams[1].workers[0], user_message: 'hi', llm_config: { temperature: 0.2, max_tokens: 10, top_p: 0.5 } };
    const second = await api.ok('hierarchies/create', explicit);
    t.like(second, { execution_mode: 'parallel', enable_context_sharing: true, description: 'd' });
    t.is(second.global_supervisor_agent.agent_id, 'boss');
    t.is(second.teams[0].workers[0].agent_id, created.global_supervisor_agent.agent_id);
    t.false(second.teams[1].prevent_duplicate);
    t.like(second.teams[1].workers[0], { tools: [], user_message: 'hi', llm_config: { temperature: 0.2, max_tokens: 10, top_p: 0.5 } });
    const secondIds = agentsOf(second).map(([, a]) => a.agent_id);
    t.is(new Set(secondIds).size, secondIds.length, `agent ids are unique: ${secondIds.join(', ')}`);

    await api.fails('hierarchies/create', sample({ name: input.name }), 409, undefined, 'CONFLICT');
    // A tool no source offers is refused, not silently ignored.
    const withTool = sample();
    withTool.teams[1].workers[0] = { ...withTool.teams[1].workers[0], tools: ['search'] };
    await api.fails('hierarchies/create', withTool, 400, 'teams[1].workers[0].tools[0]');
  });

  test(`${b}: workers may name the built-in tools; an unknown tool is refused on create and update, naming worker and tool`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const input = sample();
    input.teams[0].workers[1] = { ...input.teams[0].workers[1]!, tools: ['calculator', 'http_request'] };
    const created = await api.ok('hierarchies/create', input);
    t.deepEqual(created.teams[0].workers[1].tools, ['calculator', 'http_request']);
    t.deepEqual(created.teams[0].workers[0].tools, []);
    t.deepEqual((await api.ok('hierarchies/get', { id: created.id })).teams[0].workers[1].tools, ['calculator', 'http_request']);

    const unknown = sample({ name: `${input.name}-2` });
    unknown.teams[0].workers[1] = { ...unknown.teams[0].workers[1]!, tools: ['calculator', 'foo'] };
    const refused = await api.fails('hierarchies/create', unknown, 400, 'teams[0].workers[1].tools[1]', 'VALIDATION_ERROR');
    t.true(String(refused.body.error).startsWith('teams[0].workers[1].tools[1]: unknown tool "foo" (available: calculator, http_request'), refused.body.error);

    const teams = structuredClone(input.teams);
    teams[1]!.workers[0] = { ...teams[1]!.workers[0]!, tools: ['mcp:nowhere'] };
    const updateRefused = await api.fails('hierarchies/update', { id: created.id, teams }, 400, 'teams[1].workers[0].tools[0]');
    t.true(String(updateRefused.body.error).includes('unknown MCP server "nowhere"'), updateRefused.body.error);
    // Nothing changed: the stored hierarchy keeps its tools and version.
    const after = await api.ok('hierarchies/get', { id: created.id });
    t.is(after.version, created.version);
    t.deepEqual(after.teams[1].workers[0].tools, []);
    teams[1]!.workers[0] = { ...teams[1]!.workers[0]!, tools: ['calculator'] };
    const updated = await api.ok('hierarchies/update', { id: created.id, teams });
    t.deepEqual(updated.teams[1].workers[0].tools, ['calculator']);
  });

  test(`${b}: list paginates and filters by is_active`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const active = await api.ok('hierarchies/create', sample());
    const inactive = await api.ok('hierarchies/create', sample({ is_active: false }));
    const first = expectPage(t, await api.post('hierarchies/list', { page: 1, size: 1 }));
    t.like(first, { page: 1, size: 1, totalElements: 2, totalPages: 2, first: true, last: false });
    const second = expectPage(t, await api.post('hierarchies/list', { page: 2, size: 1 }));
    t.like(second, { page: 2, totalElements: 2, first: false, last: true });
    t.deepEqual([first.content[0]?.id, second.content[0]?.id].sort(), [active.id, inactive.id].sort());
    t.deepEqual(expectPage(t, await api.post('hierarchies/list', { is_active: false })).content, [inactive]);
    t.deepEqual(expectPage(t, await api.post('hierarchies/list', { is_active: true })).content, [active]);
    await api.fails('hierarchies/list', { page: 0 }, 400, 'page');
    await api.fails('hierarchies/list', { size: 101 }, 400, 'size');
    await api.fails('hierarchies/list', { is_active: 'yes' }, 400, 'is_active');
  });

  test(`${b}: update replaces teams and bumps version; a rename keeps it`, async (t) => {
    const api = harness().api(t);
    const created = await api.ok('hierarchies/create', sample());
    const newTeams = [{
      name: 'Reviewers',
      team_supervisor_agent: { system_prompt: 'You lead the reviewers.' },
      workers: [{ name: 'Dee', role: 'reviewer', system_prompt: 'You are Dee.' }],
    }];
    const replaced = await api.ok('hierarchies/update', { id: created.id, teams: newTeams });
    t.is(replaced.version, 2);
    t.deepEqual(replaced.teams.map((team: any) => [team.name, team.workers.map((w: any) => w.name)]), [['Reviewers', ['Dee']]]);
    t.true(replaced.teams[0].prevent_duplicate);
    t.is(typeof replaced.teams[0].workers[0].agent_id, 'string');
    t.is(replaced.global_supervisor_agent.agent_id, created.global_supervisor_agent.agent_id);
    t.is(replaced.name, created.name);

    const newName = uniqueName('renamed');
    const renamed = await api.ok('hierarchies/update', { id: created.id, name: newName, description: 'now described', is_active: false });
    t.like(renamed, { name: newName, description: 'now described', is_active: false, version: 2 });
    t.deepEqual(renamed.teams, replaced.teams);

    const parallel = await api.ok('hierarchies/update', { id: created.id, execution_mode: 'parallel' });
    t.like(parallel, { execution_mode: 'parallel', version: 3 });
    t.deepEqual(agentsOf(parallel).map(([, a]) => a.agent_id), agentsOf(renamed).map(([, a]) => a.agent_id), 'agent ids stay stable');
    t.deepEqual(await api.ok('hierarchies/get', { id: created.id }), parallel);

    const other = await api.ok('hierarchies/create', sample());
    await api.fails('hierarchies/update', { id: created.id, name: other.name }, 409, undefined, 'CONFLICT');
    await api.fails('hierarchies/update', { id: created.id }, 400, 'body');
    await api.fails('hierarchies/update', { id: created.id, teams: [] }, 400, 'teams');
    await api.fails('hierarchies/update', { id: created.id, teams: [{ ...newTeams[0], workers: [] }] }, 400, 'teams[0].workers');
    await api.fails('hierarchies/update', { id: 'no-such-hierarchy', name: 'x' }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    t.deepEqual(await api.ok('hierarchies/get', { id: created.id }), parallel, 'refused updates changed nothing');
  });

  test(`${b}: the owner-lost policy defaults to resume, 3 times; it is stored, returned, updated and validated`, async (t) => {
    const tenant = uniqueTenant();
    const api = harness().api(t, tenant);
    const plain = await api.ok('hierarchies/create', sample());
    t.like(plain, { on_owner_lost: 'resume', max_resumes: 3 });
    const strict = await api.ok('hierarchies/create', sample({ on_owner_lost: 'fail', max_resumes: 0 }));
    t.like(strict, { on_owner_lost: 'fail', max_resumes: 0 });
    t.like(await api.ok('hierarchies/get', { id: strict.id }), { on_owner_lost: 'fail', max_resumes: 0 });
    const listed = expectPage(t, await api.post('hierarchies/list', {})).content;
    t.deepEqual(listed.map((h: any) => [h.id, h.on_owner_lost, h.max_resumes]).sort(),
      [[plain.id, 'resume', 3], [strict.id, 'fail', 0]].sort());

    const updated = await api.ok('hierarchies/update', { id: plain.id, max_resumes: 100 });
    t.like(updated, { on_owner_lost: 'resume', max_resumes: 100, version: 2 });
    t.deepEqual(updated.teams, plain.teams, 'the rest of the config is kept');
    t.like(await api.ok('hierarchies/update', { id: plain.id, on_owner_lost: 'fail' }), { on_owner_lost: 'fail', max_resumes: 100, version: 3 });

    await api.fails('hierarchies/create', sample({ on_owner_lost: 'retry' as any }), 400, 'on_owner_lost', 'VALIDATION_ERROR');
    await api.fails('hierarchies/create', sample({ max_resumes: 101 }), 400, 'max_resumes', 'VALIDATION_ERROR');
    await api.fails('hierarchies/create', sample({ max_resumes: -1 }), 400, 'max_resumes', 'VALIDATION_ERROR');
    await api.fails('hierarchies/create', sample({ max_resumes: 1.5 }), 400, 'max_resumes', 'VALIDATION_ERROR');
    await api.fails('hierarchies/update', { id: plain.id, max_resumes: '3' }, 400, 'max_resumes', 'VALIDATION_ERROR');
    await api.fails('hierarchies/update', { id: plain.id, on_owner_lost: null }, 400, 'on_owner_lost', 'VALIDATION_ERROR');
    t.like(await api.ok('hierarchies/get', { id: plain.id }), { on_owner_lost: 'fail', max_resumes: 100, version: 3 }, 'refused updates changed nothing');

    // A config stored before the policy existed reads with its defaults.
    const em = harness().db.store.orm.em.fork();
    const row = await em.findOneOrFail(HierarchyTeam, { id: strict.id }, { filters: false });
    const { on_owner_lost: _policy, max_resumes: _max, ...older } = row.config;
    row.config = older;
    await em.flush();
    t.like(await api.ok('hierarchies/get', { id: strict.id }), { on_owner_lost: 'resume', max_resumes: 3 });
  });

  test(`${b}: delete removes the hierarchy`, async (t) => {
    const api = harness().api(t);
    const created = await api.ok('hierarchies/create', sample());
    t.deepEqual(await api.ok('hierarchies/delete', { id: created.id }), { id: created.id });
    await api.fails('hierarchies/get', { id: created.id }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await api.fails('hierarchies/delete', { id: created.id }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await api.fails('hierarchies/update', { id: created.id, name: 'x' }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await api.ok('hierarchies/create', sample({ name: created.name }));
  });

  test(`${b}: structural validation names the offending field`, async (t) => {
    const api = harness().api(t);
    const fails = (mutate: (h: any) => void, field: string) => {
      const input = sample();
      mutate(input);
      return api.fails('hierarchies/create', input, 400, field, 'VALIDATION_ERROR');
    };
    await fails((h) => delete h.teams, 'teams');
    await fails((h) => (h.teams = []), 'teams');
    await fails((h) => (h.teams[0].workers = []), 'teams[0].workers');
    await fails((h) => delete h.teams[1].workers, 'teams[1].workers');
    await fails((h) => (h.teams[1].name = 'analysts'), 'teams[1].name');
    await fails((h) => (h.teams[0].workers[1].name = 'Ada'), 'teams[0].workers[1].name');
    await fails((h) => {
      h.teams[0].workers[0].agent_id = 'twin';
      h.teams[1].workers[0].agent_id = 'twin';
    }, 'teams[1].workers[0].agent_id');
    await fails((h) => {
      h.global_supervisor_agent.agent_id = 'twin';
      h.teams[0].team_supervisor_agent.agent_id = 'twin';
    }, 'teams[0].team_supervisor_agent.agent_id');
    await fails((h) => (h.teams[0].workers[0].agent_id = 'has space'), 'teams[0].workers[0].agent_id');
    await fails((h) => delete h.global_supervisor_agent, 'global_supervisor_agent');
    await fails((h) => (h.global_supervisor_agent.system_prompt = ''), 'global_supervisor_agent.system_prompt');
    await fails((h) => delete h.teams[0].workers[0].role, 'teams[0].workers[0].role');
    await fails((h) => (h.execution_mode = 'chaotic'), 'execution_mode');
    await fails((h) => (h.teams[0].workers[0].llm_config = { temperature: 3 }), 'teams[0].workers[0].llm_config.temperature');
    await fails((h) => (h.teams[0].workers[0].llm_config = { max_tokens: 0 }), 'teams[0].workers[0].llm_config.max_tokens');
    await fails((h) => (h.teams[0].workers[0].llm_config = { top_p: 2 }), 'teams[0].workers[0].llm_config.top_p');
    await fails((h) => (h.teams[0].workers[0].api_key = 'sk'), 'teams[0].workers[0].api_key');
    await fails((h) => (h.name = ''), 'name');
    await api.fails('hierarchies/get', {}, 400, 'id');
  });

  test(`${b}: llm_config.model_id must name a model of the caller's tenant`, async (t) => {
    const h = harness();
    const withModel = (modelId: string) => {
      const input = sample();
      input.teams[0].workers[0].llm_config = { model_id: modelId, temperature: 0.5 };
      return input;
    };
    const def = h.api(t);
    await def.fails('hierarchies/create', withModel(uniqueName('ghost')), 400, 'teams[0].workers[0].llm_config.model_id', 'VALIDATION_ERROR');
    const supervised = sample();
    supervised.global_supervisor_agent.llm_config = { model_id: 'nope' };
    await def.fails('hierarchies/create', supervised, 400, 'global_supervisor_agent.llm_config.model_id');
    // The seeded model, by name, in the default tenant.
    const bySeed = await def.ok('hierarchies/create', withModel('simulated'));
    t.deepEqual(bySeed.teams[0].workers[0].llm_config, { model_id: 'simulated', temperature: 0.5 });

    const tenantA = h.api(t, uniqueTenant('a'));
    const tenantB = h.api(t, uniqueTenant('b'));
    const model = await tenantA.ok('models/create', { name: uniqueName('own'), model_id: uniqueName('mid') });
    for (const ref of [model.id, model.name, model.model_id]) await tenantA.ok('hierarchies/create', withModel(ref));
    for (const ref of [model.id, model.name, model.model_id, 'simulated']) {
      await tenantB.fails('hierarchies/create', withModel(ref), 400, 'teams[0].workers[0].llm_config.model_id');
    }
    // Update checks references too.
    const plain = await tenantB.ok('hierarchies/create', sample());
    await tenantB.fails('hierarchies/update', { id: plain.id, teams: withModel(model.id).teams }, 400, 'teams[0].workers[0].llm_config.model_id');
    t.is((await tenantB.ok('hierarchies/get', { id: plain.id })).version, 1);
  });

  test(`${b}: a hierarchy of tenant A is invisible and untouchable from tenant B`, async (t) => {
    const h = harness();
    const a = h.api(t, uniqueTenant('a'));
    const other = h.api(t, uniqueTenant('b'));
    const created = await a.ok('hierarchies/create', sample());
    await other.fails('hierarchies/get', { id: created.id }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await other.fails('hierarchies/update', { id: created.id, name: 'stolen', teams: sample().teams }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await other.fails('hierarchies/delete', { id: created.id }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    t.is(expectPage(t, await other.post('hierarchies/list', { size: 100 })).totalElements, 0);
    await h.api(t).fails('hierarchies/get', { id: created.id }, 404, undefined, 'HIERARCHY_NOT_FOUND');
    await other.ok('hierarchies/create', sample({ name: created.name }));
    t.deepEqual(await a.ok('hierarchies/get', { id: created.id }), created);
    t.deepEqual(expectPage(t, await a.post('hierarchies/list', {})).content, [created]);
  });
}
