import test from 'ava';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { expectPage, uniqueTenant, useApiHarness } from '../helpers/api-harness.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';

/** The sample hierarchy whose first worker names `tools`, as plain JSON. */
function hierarchyWithTools(tools: string[]): any {
  const input = JSON.parse(JSON.stringify(sampleHierarchyInput({ name: uniqueName('h') })));
  input.teams[0].workers[0].tools = tools;
  return input;
}

/** The mcp-servers endpoints over HTTP, and hierarchies naming MCP servers, on every database backend. */
export function apiMcpServersSuite(backend: Backend): void {
  // The operator lets tenants name these variables (TENANT_ENV_ALLOWED); any other is refused.
  // The registrations name a local address: the operator's allowance opens it (OUTBOUND_ALLOWED_HOSTS).
  const harness = useApiHarness(backend, { tenantEnvAllowed: ['MCP_*', 'OTHER_KEY', 'A_TOKEN'], outbound: { allowedHosts: ['127.0.0.1'] } });
  const b = backend;

  test(`${b}: mcp-servers create fills defaults, get returns the same, names are unique per tenant`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const name = uniqueName('s');
    const created = await api.ok('mcp-servers/create', { name, url: 'http://127.0.0.1:9/mcp' });
    t.regex(created.id, /^[0-9a-f-]{36}$/i);
    t.like(created, { name, url: 'http://127.0.0.1:9/mcp', headers_env: {}, description: null, is_active: true });
    t.false(Number.isNaN(Date.parse(created.created_at)));
    t.deepEqual(await api.ok('mcp-servers/get', { id: created.id }), created);
    const full = await api.ok('mcp-servers/create', {
      name: uniqueName('s'), url: 'https://mcp.example.com/mcp', headers_env: { Authorization: 'MCP_TOKEN', 'X-Api-Key': 'OTHER_KEY' },
      description: 'd', is_active: false,
    });
    t.like(full, { headers_env: { Authorization: 'MCP_TOKEN', 'X-Api-Key': 'OTHER_KEY' }, description: 'd', is_active: false });
    t.deepEqual(await api.ok('mcp-servers/get', { id: full.id }), full);
    await api.fails('mcp-servers/create', { name, url: 'http://127.0.0.1:9/other' }, 409, undefined, 'CONFLICT');
  });

  test(`${b}: mcp-servers list paginates and filters by is_active`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const names = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    await api.ok('mcp-servers/create', { name: names[0], url: 'http://127.0.0.1:9/mcp' });
    await api.ok('mcp-servers/create', { name: names[1], url: 'http://127.0.0.1:9/mcp', is_active: false });
    await api.ok('mcp-servers/create', { name: names[2], url: 'http://127.0.0.1:9/mcp' });
    const first = expectPage(t, await api.post('mcp-servers/list', { page: 1, size: 2 }));
    t.like(first, { page: 1, size: 2, totalElements: 3, totalPages: 2, first: true, last: false });
    t.is(first.content.length, 2);
    const second = expectPage(t, await api.post('mcp-servers/list', { page: 2, size: 2 }));
    t.is(second.content.length, 1);
    t.deepEqual([...first.content, ...second.content].map((s: any) => s.name).sort(), [...names].sort());
    const inactive = expectPage(t, await api.post('mcp-servers/list', { is_active: false }));
    t.deepEqual(inactive.content.map((s: any) => s.name), [names[1]]);
    await api.fails('mcp-servers/list', { size: 101 }, 400, 'size');
  });

  test(`${b}: mcp-servers update changes only the given fields; delete frees the name`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const created = await api.ok('mcp-servers/create', { name: uniqueName('u'), url: 'http://127.0.0.1:9/mcp', headers_env: { Authorization: 'A_TOKEN' } });
    const updated = await api.ok('mcp-servers/update', { id: created.id, description: 'new', url: 'https://example.com/mcp' });
    t.like(updated, { id: created.id, name: created.name, url: 'https://example.com/mcp', description: 'new', headers_env: { Authorization: 'A_TOKEN' } });
    t.deepEqual(await api.ok('mcp-servers/get', { id: created.id }), updated);
    t.deepEqual((await api.ok('mcp-servers/update', { id: created.id, headers_env: {} })).headers_env, {});
    const other = await api.ok('mcp-servers/create', { name: uniqueName('u'), url: 'http://127.0.0.1:9/mcp' });
    await api.fails('mcp-servers/update', { id: created.id, name: other.name }, 409, undefined, 'CONFLICT');
    await api.fails('mcp-servers/update', { id: created.id }, 400, 'body');
    await api.fails('mcp-servers/update', { id: 'no-such-server', description: 'x' }, 404, undefined, 'MCP_SERVER_NOT_FOUND');
    t.deepEqual(await api.ok('mcp-servers/delete', { id: created.id }), { id: created.id });
    await api.fails('mcp-servers/get', { id: created.id }, 404, undefined, 'MCP_SERVER_NOT_FOUND');
    await api.fails('mcp-servers/delete', { id: created.id }, 404, undefined, 'MCP_SERVER_NOT_FOUND');
    await api.ok('mcp-servers/create', { name: created.name, url: 'http://127.0.0.1:9/mcp' });
  });

  test(`${b}: mcp-servers validation names the field; header values can never be stored`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const base = { name: uniqueName('v'), url: 'http://127.0.0.1:9/mcp' };
    await api.fails('mcp-servers/create', { ...base, url: 'ftp://example.com/mcp' }, 400, 'url', 'VALIDATION_ERROR');
    await api.fails('mcp-servers/create', { ...base, url: 'not a url' }, 400, 'url');
    await api.fails('mcp-servers/create', { name: base.name }, 400, 'url');
    await api.fails('mcp-servers/create', { url: base.url }, 400, 'name');
    await api.fails('mcp-servers/create', { ...base, name: 'has space' }, 400, 'name');
    await api.fails('mcp-servers/create', { ...base, name: 'a/b' }, 400, 'name');
    await api.fails('mcp-servers/create', { ...base, name: 'x'.repeat(33) }, 400, 'name');
    await api.fails('mcp-servers/create', { ...base, headers_env: { Authorization: 'Bearer sk-secret' } }, 400, 'headers_env.Authorization');
    await api.fails('mcp-servers/create', { ...base, headers_env: { 'Bad Header': 'TOKEN' } }, 400, 'headers_env.Bad Header');
    await api.fails('mcp-servers/create', { ...base, headers_env: { 'Mcp-Session-Id': 'TOKEN' } }, 400, 'headers_env.Mcp-Session-Id');
    await api.fails('mcp-servers/create', { ...base, headers: { Authorization: 'Bearer x' } }, 400, 'headers');
    await api.fails('mcp-servers/get', {}, 400, 'id');
    const created = await api.ok('mcp-servers/create', base);
    const got = await api.ok('mcp-servers/get', { id: created.id });
    t.deepEqual(Object.keys(got).sort(), ['created_at', 'description', 'headers_env', 'headers_secret', 'id', 'is_active', 'name', 'updated_at', 'url']);
  });

  test(`${b}: headers_env only names variables TENANT_ENV_ALLOWED allows; headers_secret only existing secrets; one source per header`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const base = () => ({ name: uniqueName('h'), url: 'http://127.0.0.1:9/mcp' });
    const refused = await api.fails('mcp-servers/create', { ...base(), headers_env: { Authorization: 'DATABASE_URL' } }, 400, 'headers_env.Authorization', 'ENV_NOT_ALLOWED');
    t.is(refused.body.error, 'headers_env.Authorization: DATABASE_URL is not allowed by TENANT_ENV_ALLOWED');
    await api.fails('mcp-servers/create', { ...base(), headers_secret: { Authorization: 'absent' } }, 400, 'headers_secret.Authorization', 'SECRET_NOT_FOUND');
    await api.fails('mcp-servers/create', { ...base(), headers_secret: { Authorization: 'white space' } }, 400, 'headers_secret.Authorization');
    await api.fails('mcp-servers/create', { ...base(), headers_secret: { Host: 'x' } }, 400, 'headers_secret.Host');
    await api.ok('secrets/set', { name: 'mcp-token', value: 'Bearer tenant-mcp-0123' });
    await api.fails('mcp-servers/create', { ...base(), headers_env: { Authorization: 'MCP_TOKEN' }, headers_secret: { authorization: 'mcp-token' } }, 400, 'headers_secret.authorization');
    const created = await api.ok('mcp-servers/create', { ...base(), headers_env: { 'X-Env': 'MCP_TOKEN' }, headers_secret: { Authorization: 'mcp-token' } });
    t.deepEqual(created.headers_secret, { Authorization: 'mcp-token' });
    t.deepEqual(await api.ok('mcp-servers/get', { id: created.id }), created);
    await api.fails('mcp-servers/update', { id: created.id, headers_env: { Authorization: 'MCP_TOKEN' } }, 400, 'headers_env.Authorization');
    await api.fails('mcp-servers/update', { id: created.id, headers_env: { 'X-Env': 'HOME' } }, 400, 'headers_env.X-Env', 'ENV_NOT_ALLOWED');
    const cleared = await api.ok('mcp-servers/update', { id: created.id, headers_secret: {} });
    t.deepEqual(cleared.headers_secret, {});
    t.false(JSON.stringify(cleared).includes('tenant-mcp'));
  });

  test(`${b}: an MCP server of tenant A is invisible to tenant B, and B's hierarchies cannot name it`, async (t) => {
    const h = harness();
    const a = h.api(t, uniqueTenant('a'));
    const bApi = h.api(t, uniqueTenant('b'));
    const created = await a.ok('mcp-servers/create', { name: uniqueName('shared'), url: 'http://127.0.0.1:9/mcp' });
    await bApi.fails('mcp-servers/get', { id: created.id }, 404, undefined, 'MCP_SERVER_NOT_FOUND');
    await bApi.fails('mcp-servers/update', { id: created.id, description: 'stolen' }, 404, undefined, 'MCP_SERVER_NOT_FOUND');
    await bApi.fails('mcp-servers/delete', { id: created.id }, 404, undefined, 'MCP_SERVER_NOT_FOUND');
    t.is(expectPage(t, await bApi.post('mcp-servers/list', { size: 100 })).totalElements, 0);
    const refused = await bApi.fails('hierarchies/create', hierarchyWithTools([`mcp:${created.name}`]), 400, 'teams[0].workers[0].tools[0]');
    t.is(refused.body.error, `teams[0].workers[0].tools[0]: unknown MCP server "${created.name}"`);
    // The same name is free in B; A still sees its own, unchanged.
    await bApi.ok('mcp-servers/create', { name: created.name, url: 'http://127.0.0.1:9/mcp' });
    t.deepEqual(await a.ok('mcp-servers/get', { id: created.id }), created);
    const listA = expectPage(t, await a.post('mcp-servers/list', { size: 100 }));
    t.deepEqual(listA.content, [created]);
  });

  test(`${b}: workers name mcp:<server> and mcp:<server>/<tool>; unknown servers and malformed names are refused`, async (t) => {
    const api = harness().api(t, uniqueTenant());
    const server = await api.ok('mcp-servers/create', { name: uniqueName('tools'), url: 'http://127.0.0.1:9/mcp' });
    const tools = ['calculator', `mcp:${server.name}`, `mcp:${server.name}/lookup.v2`];
    const created = await api.ok('hierarchies/create', hierarchyWithTools(tools));
    t.deepEqual(created.teams[0].workers[0].tools, tools);
    const unknown = await api.fails('hierarchies/create', hierarchyWithTools(['calculator', 'mcp:nowhere/lookup']), 400, 'teams[0].workers[0].tools[1]');
    t.is(unknown.body.error, 'teams[0].workers[0].tools[1]: unknown MCP server "nowhere"');
    await api.fails('hierarchies/create', hierarchyWithTools(['mcp:']), 400, 'teams[0].workers[0].tools[0]');
    await api.fails('hierarchies/create', hierarchyWithTools([`mcp:${server.name}/`]), 400, 'teams[0].workers[0].tools[0]');
    const teams = structuredClone(created.teams);
    teams[0].workers[0].tools = ['mcp:elsewhere'];
    const updateRefused = await api.fails('hierarchies/update', { id: created.id, teams }, 400, 'teams[0].workers[0].tools[0]');
    t.is(updateRefused.body.error, 'teams[0].workers[0].tools[0]: unknown MCP server "elsewhere"');
    t.deepEqual((await api.ok('hierarchies/get', { id: created.id })).teams[0].workers[0].tools, tools);
  });
}
