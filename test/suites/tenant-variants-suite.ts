import test, { type ExecutionContext } from 'ava';
import type { Backend } from '../helpers/backends.ts';
import { uniqueName } from '../helpers/backends.ts';
import { Api, expectPage, type ApiResponse } from '../helpers/api-harness.ts';
import { useRunHarness } from './sse-suite.ts';

/** A tenant id the pattern accepts, lower case, so its case variants are valid tenant ids too. */
function ownerTenant(): string {
  return uniqueName('tenant-a').toLowerCase().replace(/_/g, '-');
}

/**
 * Case, accent and spacing twins of `owner`. MySQL's default collations would compare every one
 * equal to `owner`; each must be another tenant (or refused) on every backend.
 */
function variantsOf(owner: string): Array<{ name: string; tenant: string; viaHeader: boolean }> {
  const mixed = owner.replace(/^t/, 'T').replace(/-a-/, '-A-');
  return [
    { name: 'upper', tenant: owner.toUpperCase(), viaHeader: true },
    { name: 'mixed', tenant: mixed, viaHeader: true },
    { name: 'one letter', tenant: owner.replace(/a/, 'A'), viaHeader: true },
    { name: 'accented', tenant: owner.replace(/a/, 'á'), viaHeader: true },
    { name: 'accented upper', tenant: owner.toUpperCase().replace(/A/, 'Á'), viaHeader: true },
    // HTTP strips whitespace around a header value (RFC 9110 OWS), so a header with a trailing
    // space *is* the owner's tenant; these twins are sent in the body, where they are kept.
    { name: 'trailing space', tenant: `${owner} `, viaHeader: false },
    { name: 'leading space', tenant: ` ${owner}`, viaHeader: false },
    { name: 'trailing tab', tenant: `${owner}\t`, viaHeader: false },
  ];
}

/** Refused (400) or not found (404): never the owner's data. A valid tenant id must get 404. */
function expectNoAccess(t: ExecutionContext, res: ApiResponse, validTenant: boolean, what: string): void {
  if (validTenant) t.is(res.status, 404, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  else t.true(res.status === 400 || res.status === 404, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  t.is(res.body?.success, false, what);
}

/** A page either refused or without any of `ids`. */
function expectNotListed(t: ExecutionContext, res: ApiResponse, ids: unknown[], validTenant: boolean, what: string): void {
  if (!validTenant && res.status === 400) return;
  const page = expectPage(t, res);
  for (const item of page.content) t.false(ids.includes(item.id), `${what} lists the owner's ${item.id}`);
}

/** Tenancy against case, accent and spacing twins of a tenant id, on every endpoint and backend. */
export function tenantVariantsSuite(backend: Backend): void {
  // Its MCP registrations name a local address: the operator's allowance opens it (OUTBOUND_ALLOWED_HOSTS).
  const harness = useRunHarness(backend, { outbound: { allowedHosts: ['127.0.0.1'] } });
  const b = backend;

  test(`${b}: no case, accent or spacing variant of a tenant id reaches its data, by header or body, on any endpoint`, async (t) => {
    const h = harness();
    const owner = ownerTenant();
    const a = h.api(t, owner);
    const modelName = uniqueName('model');
    const model = await a.ok('models/create', { name: modelName, model_id: 'x', provider: 'openai', description: 'the owner\'s' });
    const secretValue = `owner-secret-${uniqueName('v')}`;
    const secret = await a.ok('secrets/set', { name: 'owner.key', value: secretValue });
    const mcpServer = await a.ok('mcp-servers/create', { name: uniqueName('mcp').replaceAll('_', '-'), url: 'http://127.0.0.1:9/mcp', headers_secret: { Authorization: 'owner.key' } });
    const hierarchyId = await h.hierarchy(a, 150); // slow tokens: the run stays live while twins try it
    const hierarchy = await a.ok('hierarchies/get', { id: hierarchyId });
    const runId = await h.start(a, hierarchyId);
    const variants = variantsOf(owner);
    t.true(variants.length > 0);

    let tried = 0;
    const twinsWithName = new Set<string>();
    for (const variant of variants) {
      for (const mode of variant.viaHeader ? (['header', 'body'] as const) : (['body'] as const)) {
        const validTenant = /^[A-Za-z0-9_.-]{1,64}$/.test(variant.tenant);
        const client: Api = mode === 'header' ? h.api(t, variant.tenant) : h.api(t);
        const call = (action: string, body: Record<string, unknown>) => client.post(action, mode === 'body' ? { ...body, tenantId: variant.tenant } : body);
        const what = (action: string) => `${variant.name} tenant ${JSON.stringify(variant.tenant)} by ${mode}: ${action}`;
        const byId: Array<[string, Record<string, unknown>]> = [
          ['models/get', { id: model.id }],
          ['models/update', { id: model.id, description: 'taken over' }],
          ['models/delete', { id: model.id }],
          ['hierarchies/get', { id: hierarchyId }],
          ['hierarchies/update', { id: hierarchyId, description: 'taken over' }],
          ['hierarchies/delete', { id: hierarchyId }],
          ['runs/start', { hierarchy_id: hierarchyId, task: 'use their hierarchy' }],
          ['runs/get', { id: runId }],
          ['runs/inspect', { id: runId }],
          ['runs/events', { id: runId }],
          ['runs/stream', { id: runId }],
          ['runs/cancel', { id: runId }],
          ['secrets/delete', { name: 'owner.key' }],
          ['mcp-servers/get', { id: mcpServer.id }],
          ['mcp-servers/update', { id: mcpServer.id, description: 'taken over' }],
          ['mcp-servers/delete', { id: mcpServer.id }],
        ];
        for (const [action, body] of byId) {
          expectNoAccess(t, await call(action, body), validTenant, what(action));
          tried++;
        }
        expectNotListed(t, await call('models/list', {}), [model.id], validTenant, what('models/list'));
        expectNotListed(t, await call('hierarchies/list', {}), [hierarchyId], validTenant, what('hierarchies/list'));
        expectNotListed(t, await call('runs/list', {}), [runId], validTenant, what('runs/list'));
        expectNotListed(t, await call('mcp-servers/list', {}), [mcpServer.id], validTenant, what('mcp-servers/list'));
        const secrets = await call('secrets/list', {});
        if (validTenant || secrets.status !== 400) t.false(expectPage(t, secrets).content.some((item: any) => item.name === 'owner.key' && item.created_at === secret.created_at), what('secrets/list'));
        // A twin's rows cannot name the owner's secret (it does not exist for the twin).
        const naming = await call('models/create', { name: uniqueName('m'), model_id: 'x', provider: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', api_key_secret: 'owner.key' });
        t.is(naming.status, 400, what('models/create naming the owner\'s secret'));
        t.false(naming.text.includes(secretValue));
        tried += 4;
        // Names are unique per tenant, compared exactly: a twin tenant may use the owner's name.
        const twin = await call('models/create', { name: modelName, model_id: 'y', provider: 'openai' });
        // (Header and body reach the same twin tenant: the second time it is that tenant's own conflict.)
        const expected = !validTenant ? 400 : twinsWithName.has(variant.tenant) ? 409 : 200;
        twinsWithName.add(variant.tenant);
        if (validTenant) t.is(twin.status, expected, `${what('models/create')}: ${twin.text.slice(0, 300)}`);
        else t.is(twin.status, 400, what('models/create'));
        tried += 4;
      }
    }
    t.true(tried > 100, `${tried} cross-tenant attempts`);

    // The owner's data is untouched and the run is still going: no twin cancelled it.
    t.deepEqual(await a.ok('models/get', { id: model.id }), model);
    t.deepEqual(await a.ok('hierarchies/get', { id: hierarchyId }), hierarchy);
    t.deepEqual(await a.ok('mcp-servers/get', { id: mcpServer.id }), mcpServer);
    t.deepEqual(expectPage(t, await a.post('secrets/list', {})).content, [{ name: 'owner.key', created_at: secret.created_at, updated_at: secret.updated_at }]);
    const run = await a.ok('runs/get', { id: runId });
    t.true(['pending', 'running'].includes(run.status), `the owner's run is ${run.status}`);
    t.is(expectPage(t, await a.post('models/list', { size: 100 })).content.filter((m: any) => m.name === modelName).length, 1);
    await a.ok('runs/cancel', { id: runId });
  });

  test(`${b}: names unique per tenant compare exactly: case, accent and trailing-space twins are distinct names`, async (t) => {
    const api = harness().api(t, ownerTenant());
    const base = uniqueName('Name');
    const twins = [base, base.toUpperCase(), base.toLowerCase(), `${base}é`, `${base}e`];
    t.true(twins.length > 0);
    for (const name of twins) await api.ok('models/create', { name, model_id: 'x' });
    // Hierarchy names too; trailing spaces are not part of a name (names are trimmed).
    const hierarchyName = uniqueName('Research');
    const hierarchyTwins = [hierarchyName, hierarchyName.toUpperCase(), `${hierarchyName}ü`, `${hierarchyName}u`];
    const hierarchy = (name: string) => ({
      name, global_supervisor_agent: { system_prompt: 'g' },
      teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 's' }, workers: [{ name: 'W', role: 'r', system_prompt: 'w' }] }],
    });
    for (const name of hierarchyTwins) await api.ok('hierarchies/create', hierarchy(name));
    // The exact same name is still a conflict.
    t.is((await api.post('models/create', { name: base, model_id: 'x' })).status, 409);
    t.is((await api.post('hierarchies/create', hierarchy(hierarchyName))).status, 409);
    t.is((await api.post('models/create', { name: `${base} `, model_id: 'x' })).status, 409, 'a name is trimmed before it is compared');
  });
}
