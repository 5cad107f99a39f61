import { AppError, ValidationError } from '../errors/app-error.ts';
import { createAgentModel, type AgentModel, type ModelCallSettings } from '../models/model-factory.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { approvalToolsOf, toolNamesOf, type AgentConfig, type HierarchyRecord } from '../domain/hierarchy-schemas.ts';
import type { AgentPlan, PlanBudgets, RunPlan, ThreadTurn, WorkerToolConfig } from '../actors/run-plan.ts';
import type { ThreadContextLimits } from './thread-context.ts';
import { budgetOrNone, DEFAULT_BUDGET_OUTPUT_TOKENS, type Budget } from '../domain/budget-schemas.ts';
import type { McpHeaderResolver } from '../tools/mcp-connection.ts';
import type { RunLaunch } from '../host/run-launch.ts';
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
  /** BUDGET_DEFAULT_OUTPUT_TOKENS (default DEFAULT_BUDGET_OUTPUT_TOKENS). */
  budgetDefaultOutputTokens?: number;
  /** THREAD_CONTEXT_MAX_RUNS / THREAD_CONTEXT_MAX_CHARS (default DEFAULT_THREAD_CONTEXT). */
  threadContext?: ThreadContextLimits;
}

/**
 * A run as planned: its plan (plain data, kept in the run's checkpoints) and the live parts the
 * executing process makes once — each agent's model (by agent id) and the MCP header resolver.
 */
export interface PlannedRun {
  plan: Omit<RunPlan, 'runId'>;
  models: ReadonlyMap<string, AgentModel>;
  mcpHeaders: McpHeaderResolver;
}

const noHeaders: McpHeaderResolver = async () => ({});

/** The planned run as the runtime executes it, once it has its id. */
export function launchOf(planned: PlannedRun, runId: number): RunLaunch {
  return { plan: { ...planned.plan, runId }, models: planned.models, mcpHeaders: planned.mcpHeaders };
}

/**
 * Resolves a hierarchy into a run plan: every agent gets its model (its llm_config.model_id,
 * else the tenant's `simulated` model, else the built-in one) with llm_config overriding the
 * model row's settings. Fails before the run exists when a model cannot be used.
 */
export async function planRun(
  repos: TenantRepositories, hierarchy: HierarchyRecord, task: string, limits: PlanLimits, runBudget?: Budget | null,
  threadContext: ThreadTurn[] = [],
  /** The run's client metadata (a simulated model in scenario mode reads it). */
  runMetadata?: Record<string, unknown> | null,
): Promise<PlannedRun> {
  const modelCalls: ModelCallSettings = { ...limits.modelCalls, ...(runMetadata && { runMetadata }) };
  const cache = new Map<string, AgentModel>();
  const models = new Map<string, AgentModel>();
  const modelFor = async (agent: AgentConfig, path: string): Promise<AgentModel> => {
    const ref = agent.llm_config?.model_id ?? null;
    let base = cache.get(ref ?? '');
    if (!base) {
      const record = ref ? await repos.models.findByRef(ref) : await repos.models.findByName('simulated');
      if (ref && !record) throw new ValidationError(`${path}.llm_config.model_id: model "${ref}" is not registered`);
      try {
        // A tenant secret is read now, for this run: never kept beyond the model built with it.
        base = createAgentModel(record, modelCalls, await revealModelKey(repos, record));
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
  const agentPlan = async (agent: AgentConfig, type: AgentType, name: string, teamName: string | null, role: string | null, path: string): Promise<AgentPlan> => {
    const model = await modelFor(agent, path);
    models.set(agent.agent_id, model);
    return {
      agentId: agent.agent_id,
      agentType: type,
      name,
      teamName,
      role,
      systemPrompt: agent.system_prompt,
      ...(agent.user_message !== undefined && { userMessage: agent.user_message }),
      // Data only: the live model stays out of the plan (and so out of every checkpoint).
      model: { name: model.name, provider: model.provider, modelId: model.modelId, ...(model.prices && { prices: model.prices }) },
    };
  };
  const { config } = hierarchy;
  const teams = [];
  for (const [t, team] of config.teams.entries()) {
    const workers = [];
    for (const [w, worker] of team.workers.entries()) {
      const plan = await agentPlan(worker, 'worker', worker.name, team.name, worker.role, `teams[${t}].workers[${w}]`);
      const approval = approvalToolsOf(worker.tools);
      workers.push(worker.tools.length > 0 ? { ...plan, tools: toolNamesOf(worker.tools), ...(approval.length > 0 && { approvalTools: approval }) } : plan);
    }
    teams.push({
      name: team.name,
      preventDuplicate: team.prevent_duplicate,
      shareContext: team.share_context,
      supervisor: await agentPlan(team.team_supervisor_agent, 'team_supervisor', 'Supervisor', team.name, null, `teams[${t}].team_supervisor_agent`),
      workers,
    });
  }
  const budgets: PlanBudgets = {
    ...(budgetOrNone(runBudget ?? config.budget) && { run: budgetOrNone(runBudget ?? config.budget)! }),
    teams: Object.fromEntries(config.teams.filter((t) => t.budget).map((t) => [t.name, t.budget!])),
    agents: Object.fromEntries(config.teams.flatMap((t) => t.workers).filter((w) => w.budget).map((w) => [w.agent_id, w.budget!])),
    defaultOutputTokens: limits.budgetDefaultOutputTokens ?? DEFAULT_BUDGET_OUTPUT_TOKENS,
  };
  const mcpServers = await mcpServersFor(repos, hierarchy, limits.modelCalls?.envAllowed ?? []);
  const plan: Omit<RunPlan, 'runId'> = {
    ...(mcpServers.length > 0 && { mcpServers }),
    onOwnerLost: config.on_owner_lost,
    maxResumes: config.max_resumes,
    tenantId: repos.tenantId,
    hierarchyId: hierarchy.id,
    task,
    ...(threadContext.length > 0 && { threadContext }),
    executionMode: config.execution_mode,
    enableContextSharing: config.enable_context_sharing,
    globalSupervisor: await agentPlan(config.global_supervisor_agent, 'global_supervisor', 'Global Supervisor', null, null, 'global_supervisor_agent'),
    teams,
    timeoutMs: limits.timeoutMs,
    maxSupervisorTurns: limits.maxSupervisorTurns,
    budgets,
    // The process's outbound policy is not the plan's: it is among the run's resources, wherever it runs.
    workerTools: { maxSteps: limits.workerTools.maxSteps, settings: { http: limits.workerTools.settings.http, ...(limits.workerTools.settings.mcp && { mcp: limits.workerTools.settings.mcp }) } },
  };
  // Header values are resolved when the run connects, by this resolver: the plan holds names only.
  const mcpHeaders = mcpServers.length > 0
    ? mcpHeaderResolver(repos, { env: limits.modelCalls?.env ?? process.env, envAllowed: limits.modelCalls?.envAllowed ?? [] })
    : noHeaders;
  return { plan, models, mcpHeaders };
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
