import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { PageQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import type { HierarchyConfig, HierarchyCreate, HierarchyOrigin, HierarchyRecord, HierarchyUpdate } from '../domain/hierarchy-schemas.ts';
import { mcpServerReferences, modelReferences, normaliseHierarchy } from '../domain/hierarchy-normalise.ts';
import { registeredToolNames } from '../tools/tool-registry.ts';

/**
 * Every llm_config.model_id must name a model of this tenant, and every `mcp:<server>` one of
 * its MCP servers. Whether a named MCP tool exists is only known by asking the server, which
 * need not be reachable now: that is checked when a run starts using it.
 */
async function checkReferences(repos: TenantRepositories, config: HierarchyConfig): Promise<void> {
  for (const ref of modelReferences(config)) {
    if (!(await repos.models.findByRef(ref.modelId))) {
      throw new ValidationError(`${ref.path}: model "${ref.modelId}" is not registered`);
    }
  }
  for (const ref of mcpServerReferences(config)) {
    if (!(await repos.mcpServers.findByName(ref.server))) throw new ValidationError(`${ref.path}: unknown MCP server "${ref.server}"`);
  }
}

export async function listHierarchies(repos: TenantRepositories, query: PageQuery & { isActive?: boolean }): Promise<Slice<HierarchyRecord>> {
  return repos.hierarchies.list(query);
}

/** `origin` 'execute': made by POST /execute for its one run (hidden, deleted with the run). */
export async function createHierarchy(repos: TenantRepositories, input: HierarchyCreate, origin: HierarchyOrigin = 'api'): Promise<HierarchyRecord> {
  const config = normaliseHierarchy(input, registeredToolNames);
  await checkReferences(repos, config);
  if (await repos.hierarchies.findByName(input.name)) throw new ConflictError(`a hierarchy named "${input.name}" already exists`);
  return repos.hierarchies.create({
    name: input.name,
    description: input.description ?? null,
    config,
    isActive: input.is_active ?? true,
    origin,
  });
}

/** `forRun`: the hierarchy a run was started on, which may be one POST /execute made for it. */
export async function getHierarchy(repos: TenantRepositories, id: string, options: { forRun?: boolean } = {}): Promise<HierarchyRecord> {
  const hierarchy = await repos.hierarchies.find(id, { anyOrigin: options.forRun ?? false });
  if (!hierarchy) throw new NotFoundError(`hierarchy ${id} not found`, 'HIERARCHY_NOT_FOUND');
  return hierarchy;
}

/** By its name (names are unique per tenant, compared trimmed), as the CLI names one; the 404 names `field`. */
export async function getHierarchyByName(repos: TenantRepositories, name: string, field = 'hierarchy_name'): Promise<HierarchyRecord> {
  const hierarchy = await repos.hierarchies.findByName(name.trim());
  if (!hierarchy) throw new NotFoundError(`${field}: no hierarchy named "${name.trim()}"`, 'HIERARCHY_NOT_FOUND');
  return hierarchy;
}

/** By id, else by name (threads/create's hierarchy_id takes either); the 404 is getHierarchy's. */
export async function getHierarchyByRef(repos: TenantRepositories, ref: string): Promise<HierarchyRecord> {
  return (await repos.hierarchies.find(ref)) ?? (await repos.hierarchies.findByName(ref)) ?? getHierarchy(repos, ref);
}

export async function updateHierarchy(repos: TenantRepositories, input: HierarchyUpdate): Promise<HierarchyRecord> {
  const current = await getHierarchy(repos, input.id);
  const touchesConfig = input.execution_mode !== undefined || input.enable_context_sharing !== undefined
    || input.global_supervisor_agent !== undefined || input.teams !== undefined
    || input.on_owner_lost !== undefined || input.max_resumes !== undefined || input.budget !== undefined;
  const touchesRow = input.name !== undefined || input.description !== undefined || input.is_active !== undefined;
  if (!touchesConfig && !touchesRow) throw new ValidationError('body: nothing to update (give at least one field besides id)');
  if (input.name !== undefined && input.name !== current.name && (await repos.hierarchies.findByName(input.name))) {
    throw new ConflictError(`a hierarchy named "${input.name}" already exists`);
  }
  let config: HierarchyConfig | undefined;
  if (touchesConfig) {
    config = normaliseHierarchy({
      execution_mode: input.execution_mode ?? current.config.execution_mode,
      enable_context_sharing: input.enable_context_sharing ?? current.config.enable_context_sharing,
      global_supervisor_agent: input.global_supervisor_agent ?? current.config.global_supervisor_agent,
      teams: input.teams ?? current.config.teams,
      on_owner_lost: input.on_owner_lost ?? current.config.on_owner_lost,
      max_resumes: input.max_resumes ?? current.config.max_resumes,
      // null removes the run budget; absent keeps the stored one.
      budget: input.budget === undefined ? current.config.budget : input.budget,
    }, registeredToolNames);
    await checkReferences(repos, config);
  }
  const updated = await repos.hierarchies.update(input.id, {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.is_active !== undefined && { isActive: input.is_active }),
    ...(config && { config }),
  });
  if (!updated) throw new NotFoundError(`hierarchy ${input.id} not found`, 'HIERARCHY_NOT_FOUND');
  return updated;
}

export async function deleteHierarchy(repos: TenantRepositories, id: string): Promise<void> {
  if (!(await repos.hierarchies.delete(id))) throw new NotFoundError(`hierarchy ${id} not found`, 'HIERARCHY_NOT_FOUND');
}
