import { ValidationError } from '../errors/app-error.ts';
import { parseToolReference } from './worker-tools.ts';
import { budgetOrNone, type Budget } from './budget-schemas.ts';
import { resumePolicyDefaults, toolNamesOf, type HierarchyCreate, type HierarchyConfig, type AgentConfig } from './hierarchy-schemas.ts';

type Input = Pick<HierarchyCreate, 'execution_mode' | 'enable_context_sharing' | 'global_supervisor_agent' | 'teams' | 'on_owner_lost' | 'max_resumes'> & { budget?: Budget | null };

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

/**
 * Checks the rules zod cannot see alone (unique team names, unique worker names per team,
 * unique agent ids) and fills defaults, giving every agent without an id a readable one.
 * Errors name the offending field by its path. `builtinTools` are the tool names a worker may
 * list besides `mcp:` references (the services pass the tool registry's names in; whether an
 * MCP server exists is checked by the services against the tenant's servers).
 */
export function normaliseHierarchy(input: Input, builtinTools: readonly string[]): HierarchyConfig {
  const teamNames = new Set<string>();
  input.teams.forEach((team, t) => {
    const key = team.name.toLowerCase();
    if (teamNames.has(key)) throw new ValidationError(`teams[${t}].name: duplicate team name "${team.name}"`);
    teamNames.add(key);
    const workerNames = new Set<string>();
    team.workers.forEach((worker, w) => {
      const wkey = worker.name.toLowerCase();
      if (workerNames.has(wkey)) {
        throw new ValidationError(`teams[${t}].workers[${w}].name: duplicate worker name "${worker.name}" in team "${team.name}"`);
      }
      workerNames.add(wkey);
      toolNamesOf(worker.tools ?? []).forEach((tool, i) => {
        const ref = parseToolReference(tool);
        if (ref.kind === 'invalid') throw new ValidationError(`teams[${t}].workers[${w}].tools[${i}]: ${ref.message}`);
        if (ref.kind === 'builtin' && !builtinTools.includes(tool)) {
          const known = [...builtinTools, 'mcp:<server>', 'mcp:<server>/<tool>'].join(', ');
          throw new ValidationError(`teams[${t}].workers[${w}].tools[${i}]: unknown tool "${tool}" (available: ${known})`);
        }
      });
    });
  });

  // Explicit ids first, so generated ones can step around them.
  const used = new Map<string, string>();
  const claim = (id: string | undefined, path: string) => {
    if (id === undefined) return;
    const earlier = used.get(id);
    if (earlier) throw new ValidationError(`${path}: agent_id "${id}" is already used by ${earlier}`);
    used.set(id, path);
  };
  claim(input.global_supervisor_agent.agent_id, 'global_supervisor_agent.agent_id');
  input.teams.forEach((team, t) => {
    claim(team.team_supervisor_agent.agent_id, `teams[${t}].team_supervisor_agent.agent_id`);
    team.workers.forEach((w, i) => claim(w.agent_id, `teams[${t}].workers[${i}].agent_id`));
  });
  const generate = (wanted: string, path: string): string => {
    let id = wanted;
    for (let n = 2; used.has(id); n++) id = `${wanted}-${n}`;
    used.set(id, path);
    return id;
  };
  const agent = (a: Input['global_supervisor_agent'], wanted: string, path: string): AgentConfig => ({
    agent_id: a.agent_id ?? generate(wanted, path),
    system_prompt: a.system_prompt,
    ...(a.user_message !== undefined && { user_message: a.user_message }),
    ...(a.llm_config !== undefined && { llm_config: a.llm_config }),
  });

  return {
    execution_mode: input.execution_mode ?? 'sequential',
    enable_context_sharing: input.enable_context_sharing ?? false,
    global_supervisor_agent: agent(input.global_supervisor_agent, 'global-supervisor', 'global_supervisor_agent'),
    teams: input.teams.map((team, t) => ({
      name: team.name,
      team_supervisor_agent: agent(team.team_supervisor_agent, `team-${slug(team.name)}-supervisor`, `teams[${t}]`),
      prevent_duplicate: team.prevent_duplicate ?? true,
      share_context: team.share_context ?? false,
      workers: team.workers.map((w, i) => ({
        ...agent(w, `team-${slug(team.name)}-worker-${slug(w.name)}`, `teams[${t}].workers[${i}]`),
        name: w.name,
        role: w.role,
        tools: w.tools ?? [],
        ...withBudget(w.budget),
      })),
      ...withBudget(team.budget),
    })),
    on_owner_lost: input.on_owner_lost ?? resumePolicyDefaults.on_owner_lost,
    max_resumes: input.max_resumes ?? resumePolicyDefaults.max_resumes,
    ...withBudget(input.budget),
  };
}

const withBudget = (budget: Budget | null | undefined): { budget?: Budget } => {
  const set = budgetOrNone(budget);
  return set ? { budget: set } : {};
};

/**
 * A config as stored: those stored before a field existed get its default on reading, so every
 * reader (views, run plans) sees a whole HierarchyConfig without a data migration.
 */
export function storedHierarchyConfig(stored: Record<string, unknown>): HierarchyConfig {
  return { ...resumePolicyDefaults, ...stored } as unknown as HierarchyConfig;
}

/** Every llm_config.model_id in a hierarchy, with the path where it appears. */
export function modelReferences(config: HierarchyConfig): Array<{ modelId: string; path: string }> {
  const refs: Array<{ modelId: string; path: string }> = [];
  const add = (a: AgentConfig, path: string) => {
    if (a.llm_config?.model_id) refs.push({ modelId: a.llm_config.model_id, path: `${path}.llm_config.model_id` });
  };
  add(config.global_supervisor_agent, 'global_supervisor_agent');
  config.teams.forEach((team, t) => {
    add(team.team_supervisor_agent, `teams[${t}].team_supervisor_agent`);
    team.workers.forEach((w, i) => add(w, `teams[${t}].workers[${i}]`));
  });
  return refs;
}

/** Every `mcp:` reference in a hierarchy's workers, with the path where it appears. */
export function mcpServerReferences(config: HierarchyConfig): Array<{ server: string; tool: string | null; path: string }> {
  const refs: Array<{ server: string; tool: string | null; path: string }> = [];
  config.teams.forEach((team, t) => team.workers.forEach((worker, w) => toolNamesOf(worker.tools).forEach((name, i) => {
    const ref = parseToolReference(name);
    if (ref.kind === 'mcp') refs.push({ server: ref.server, tool: ref.tool, path: `teams[${t}].workers[${w}].tools[${i}]` });
  })));
  return refs;
}
