import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { McpServerFields, PageQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import type { McpServerCreate, McpServerRecord, McpServerUpdate } from '../domain/mcp-server-schemas.ts';
import { assertEnvAllowed } from '../domain/env-allow-list.ts';
import type { TenantEnvPolicy } from './model-service.ts';
import { assertSecretsExist } from './secret-service.ts';
import { urlRefusal, type OutboundPolicy } from '../outbound/outbound-policy.ts';

/**
 * Header sources as they are saved: a header from one source only, variables TENANT_ENV_ALLOWED
 * allows, secrets that exist. Only the maps given are checked (use re-checks what is stored).
 */
async function checkHeaderSources(
  repos: TenantRepositories, given: Pick<Partial<McpServerFields>, 'headersEnv' | 'headersSecret'>,
  current: Pick<McpServerFields, 'headersEnv' | 'headersSecret'>, policy: TenantEnvPolicy,
): Promise<void> {
  const env = given.headersEnv ?? current.headersEnv;
  const secret = given.headersSecret ?? current.headersSecret;
  const lower = new Set(Object.keys(env).map((h) => h.toLowerCase()));
  const both = Object.keys(secret).find((h) => lower.has(h.toLowerCase()));
  if (both !== undefined) {
    const field = given.headersSecret ? 'headers_secret' : 'headers_env';
    throw new ValidationError(`${field}.${both}: the header is in both headers_env and headers_secret (give it one source)`);
  }
  for (const [header, variable] of Object.entries(given.headersEnv ?? {})) assertEnvAllowed(`headers_env.${header}`, variable, policy.envAllowed);
  await assertSecretsExist(repos, Object.entries(given.headersSecret ?? {}).map(([header, name]) => ({ field: `headers_secret.${header}`, name })));
}

/** API fields → repository fields; only the fields given. */
function fieldsOf(input: Partial<McpServerCreate>): Partial<McpServerFields> {
  return {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.url !== undefined && { url: input.url }),
    ...(input.headers_env !== undefined && { headersEnv: input.headers_env }),
    ...(input.headers_secret !== undefined && { headersSecret: input.headers_secret }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
  };
}

export async function listMcpServers(repos: TenantRepositories, query: PageQuery & { isActive?: boolean }): Promise<Slice<McpServerRecord>> {
  return repos.mcpServers.list(query);
}

/** A url no connection could ever be allowed to reach is refused when registered, naming the field and the setting. */
function checkUrl(url: string | undefined, outbound: OutboundPolicy): void {
  if (url === undefined) return;
  const refusal = urlRefusal(outbound, url);
  if (refusal) throw new ValidationError(`url: ${refusal}`, undefined, 'OUTBOUND_REFUSED');
}

export async function createMcpServer(repos: TenantRepositories, input: McpServerCreate, policy: TenantEnvPolicy): Promise<McpServerRecord> {
  checkUrl(input.url, policy.outbound);
  const headers = { headersEnv: input.headers_env ?? {}, headersSecret: input.headers_secret ?? {} };
  await checkHeaderSources(repos, headers, headers, policy);
  if (await repos.mcpServers.findByName(input.name)) throw new ConflictError(`an MCP server named "${input.name}" already exists`);
  return repos.mcpServers.create({
    name: input.name,
    url: input.url,
    ...headers,
    description: input.description ?? null,
    isActive: input.is_active ?? true,
  });
}

export async function getMcpServer(repos: TenantRepositories, id: string): Promise<McpServerRecord> {
  const server = await repos.mcpServers.find(id);
  if (!server) throw new NotFoundError(`MCP server ${id} not found`, 'MCP_SERVER_NOT_FOUND');
  return server;
}

export async function updateMcpServer(repos: TenantRepositories, input: McpServerUpdate, policy: TenantEnvPolicy): Promise<McpServerRecord> {
  const { id, tenantId: _t, traceId: _r, userId: _u, ...rest } = input;
  checkUrl(rest.url, policy.outbound);
  const current = await getMcpServer(repos, id);
  const patch = fieldsOf(rest);
  if (Object.keys(patch).length === 0) throw new ValidationError('body: nothing to update (give at least one field besides id)');
  await checkHeaderSources(repos, patch, current, policy);
  if (patch.name !== undefined && patch.name !== current.name && (await repos.mcpServers.findByName(patch.name))) {
    throw new ConflictError(`an MCP server named "${patch.name}" already exists`);
  }
  const updated = await repos.mcpServers.update(id, patch);
  if (!updated) throw new NotFoundError(`MCP server ${id} not found`, 'MCP_SERVER_NOT_FOUND');
  return updated;
}

/**
 * Removes a registration. Hierarchies naming it keep their `mcp:` references; a run of one is
 * refused at start (400 naming the worker), as is a hierarchy created or updated with them.
 */
export async function deleteMcpServer(repos: TenantRepositories, id: string): Promise<void> {
  if (!(await repos.mcpServers.delete(id))) throw new NotFoundError(`MCP server ${id} not found`, 'MCP_SERVER_NOT_FOUND');
}
