import { AppError, ValidationError } from '../errors/app-error.ts';
import { createAgentModel, type AgentModel, type ModelCallSettings } from '../models/model-factory.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { AgentConfig, HierarchyRecord } from '../domain/hierarchy-schemas.ts';
import type { AgentPlan, RunPlan, WorkerToolConfig } from '../actors/run-plan.ts';
import type { AgentType } from '../events/run-event.ts';
import type { McpServerConfig } from '../tools/mcp-connection.ts';
import { mcpServerReferences } from '../domain/hierarchy-normalise.ts';
import { revealModelKey } from './model-service.ts';
import { checkMcpEnvAllowed, mcpHeaderResolver } from './mcp-credentials.ts';

export interface PlanLimits {
  timeoutMs: number;
  maxSupervisorTurns: number;
  workerTools: WorkerToolConfig;
  /** Retries, stream idle timeout, the environment keys are read from and what tenants may name of it. */
  modelCalls?: ModelCallSettings;
}

/**
 * Resolves a hierarchy into a run plan: every agent gets its model (its llm_config.model_id,
 * else the tenant's `simulated` model, else the built-in one) with llm_config overriding the
 * model row's settings. Fails before the run exists when a model cannot be used.
 */
export async function planRun(
  repos: TenantRepositories, hierarchy: HierarchyRecord, task: string, limits: PlanLimits,
): Promise<Omit<RunPlan, 'runId'>> {
  const cache = new Map<string, AgentModel>();
  const modelFor = async (agent: AgentConfig, path: string): Promise<AgentModel> => {
    const ref = agent.llm_config?.model_id ?? null;
    let base = cache.get(ref ?? '');
    if (!base) {
      const record = ref ? await repos.models.findByRef(ref) : await repos.models.findByName('simulated');
      if (ref && !record) throw new ValidationError(`${path}.llm_config.model_id: model "${ref}" is not registered`);
      try {
        // A tenant secret is read now, for this run: never kept beyond the model built with it.
        base = createAgentModel(record, limits.modelCalls, await revealModelKey(repos, record));
      } catch (err) {
        // A missing key is refused here, naming the agent and the variable or secret (never a value).
        if (err instanceof AppError && !(err instanceof ValidationError)) throw new AppError(err.status, err.errorCode, `${path}: ${err.message}`);
        const code = err instanceof ValidationError ? err.errorCode : undefined;
        throw new ValidationError(`${path}: ${(err as Error).message}`, undefined, code);
      }
      cache.set(ref ?? '', base);
    }
    const cfg = agent.llm_config;
    return {
      ...base,
      ...(cfg?.temperature !== undefined && { temperature: cfg.temperature }),
      ...(cfg?.max_tokens !== undefined && { maxOutputTokens: cfg.max_tokens }),
      ...(cfg?.top_p !== undefined && { topP: cfg.top_p }),
    };
  };
  const agentPlan = async (agent: AgentConfig, type: AgentType, name: string, teamName: string | null, role: string | null, path: string): Promise<AgentPlan> => ({
    agentId: agent.agent_id,
    agentType: type,
    name,
    teamName,
    role,
    systemPrompt: agent.system_prompt,
    ...(agent.user_message !== undefined && { userMessage: agent.user_message }),
    model: await modelFor(agent, path),
  });
  const { config } = hierarchy;
  const teams = [];
  for (const [t, team] of config.teams.entries()) {
    const workers = [];
    for (const [w, worker] of team.workers.entries()) {
      const plan = await agentPlan(worker, 'worker', worker.name, team.name, worker.role, `teams[${t}].workers[${w}]`);
      workers.push(worker.tools.length > 0 ? { ...plan, tools: [...worker.tools] } : plan);
    }
    teams.push({
      name: team.name,
      preventDuplicate: team.prevent_duplicate,
      shareContext: team.share_context,
      supervisor: await agentPlan(team.team_supervisor_agent, 'team_supervisor', 'Supervisor', team.name, null, `teams[${t}].team_supervisor_agent`),
      workers,
    });
  }
  const mcpServers = await mcpServersFor(repos, hierarchy, limits.modelCalls?.envAllowed ?? []);
  return {
    // Header values are resolved when the run connects, by this resolver: the plan holds names only.
    ...(mcpServers.length > 0 && { mcpServers, mcpHeaders: mcpHeaderResolver(repos, { env: limits.modelCalls?.env ?? process.env, envAllowed: limits.modelCalls?.envAllowed ?? [] }) }),
    tenantId: repos.tenantId,
    hierarchyId: hierarchy.id,
    task,
    executionMode: config.execution_mode,
    enableContextSharing: config.enable_context_sharing,
    globalSupervisor: await agentPlan(config.global_supervisor_agent, 'global_supervisor', 'Global Supervisor', null, null, 'global_supervisor_agent'),
    teams,
    timeoutMs: limits.timeoutMs,
    maxSupervisorTurns: limits.maxSupervisorTurns,
    workerTools: limits.workerTools,
  };
}

/**
 * The MCP servers the workers name, as the run will connect to them. A server deleted or made
 * inactive since the hierarchy was saved refuses the run (400 naming the worker and the tool);
 * whether a named tool exists is known once the run has connected (the run fails if not).
 */
async function mcpServersFor(repos: TenantRepositories, hierarchy: HierarchyRecord, envAllowed: readonly string[]): Promise<McpServerConfig[]> {
  const servers = new Map<string, McpServerConfig>();
  for (const ref of mcpServerReferences(hierarchy.config)) {
    if (servers.has(ref.server)) continue;
    const record = await repos.mcpServers.findByName(ref.server);
    if (!record) throw new ValidationError(`${ref.path}: unknown MCP server "${ref.server}"`);
    if (!record.isActive) throw new ValidationError(`${ref.path}: MCP server "${ref.server}" is not active`);
    const server = { name: record.name, url: record.url, headersEnv: record.headersEnv, headersSecret: record.headersSecret };
    // Refused before the run exists when the operator no longer allows a variable it names.
    try {
      checkMcpEnvAllowed(server, envAllowed);
    } catch (err) {
      throw new ValidationError(`${ref.path}: ${(err as Error).message}`, undefined, 'ENV_NOT_ALLOWED');
    }
    servers.set(ref.server, server);
  }
  return [...servers.values()];
}
