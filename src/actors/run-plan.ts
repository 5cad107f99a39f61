import type { AgentType, EventSource } from '../events/run-event.ts';
import type { HttpToolSettings, McpSettings } from '../tools/tool-settings.ts';
import type { McpServerConfig } from '../tools/mcp-connection.ts';
import type { Budget, ModelPrices } from '../domain/budget-schemas.ts';

/** Which model an agent uses, as data (the live model is among the run's resources, by agent id). */
export interface ModelRef {
  /** The registered model's name, for statistics and events. */
  name: string;
  provider: string;
  modelId: string;
  /** USD per million tokens (absent: unpriced, its calls cost 0). */
  prices?: ModelPrices;
}

/**
 * A run's budgets as plain data (the run's ledger is made from them): the run's own (runs/start's,
 * else the hierarchy's), each team's by name and each worker's by agent id.
 */
export interface PlanBudgets {
  run?: Budget;
  teams: Record<string, Budget>;
  agents: Record<string, Budget>;
  /** Output tokens a call under a token or cost budget reserves (and is capped at) when its model sets no max_tokens. */
  defaultOutputTokens: number;
}

/**
 * Everything one agent needs to work, as plain data: resolved before the run starts, so a run
 * never reads config, and kept in its actors' contexts, so it is part of every checkpoint.
 */
export interface AgentPlan {
  agentId: string;
  agentType: AgentType;
  /** Display name: "Global Supervisor", "Supervisor" or the worker's name. */
  name: string;
  teamName: string | null;
  role: string | null;
  systemPrompt: string;
  userMessage?: string;
  model: ModelRef;
  /** A worker's tools: built-in names and `mcp:<server>[/<tool>]` (none: it answers with one model call). */
  tools?: string[];
  /** Of `tools`, those whose every call waits for a human's approval (`mcp:<server>` covers each of its tools). */
  approvalTools?: string[];
}

/** The data part of the tool settings (the outbound policy is the process's, among the run's resources). */
export interface WorkerToolData {
  http: HttpToolSettings;
  mcp?: McpSettings;
}

/** How workers use their tools in a run: plain data, resolved from the process's settings. */
export interface WorkerToolConfig {
  settings: WorkerToolData;
  /** Rounds of tool calls a worker may make for one task before its final answer is asked for. */
  maxSteps: number;
}

export interface TeamPlan {
  name: string;
  preventDuplicate: boolean;
  shareContext: boolean;
  supervisor: AgentPlan;
  workers: AgentPlan[];
}

/** One earlier run of the run's thread: what was asked and what came back (plain data, checkpointed with the plan). */
export interface ThreadTurn {
  task: string;
  answer: string;
}

export interface RunPlan {
  runId: number;
  tenantId: string;
  hierarchyId: string;
  task: string;
  /** The thread's earlier runs, oldest first, given to the global supervisor before the task; absent: none. */
  threadContext?: ThreadTurn[];
  executionMode: 'sequential' | 'parallel';
  enableContextSharing: boolean;
  globalSupervisor: AgentPlan;
  teams: TeamPlan[];
  timeoutMs: number;
  /** Upper bound on a supervisor's model turns for one task, so a looping model cannot run forever. */
  maxSupervisorTurns: number;
  workerTools: WorkerToolConfig;
  /** The MCP servers the workers name (data; the run connects to them when it starts). */
  mcpServers?: McpServerConfig[];
  /** What happens when the process executing the run is lost: resume it elsewhere from its checkpoint, or fail it. */
  onOwnerLost: 'resume' | 'fail';
  /** Resumes allowed before the run fails `owner lost N times`. */
  maxResumes: number;
  /** Absent in plans made before budgets existed: such a run has none (and no cost in its statistics). */
  budgets?: PlanBudgets;
}

/** Who an agent is, without its prompts: what a child actor's input names it by (its events' source, its budget scopes). */
export type AgentRef = Pick<AgentPlan, 'agentId' | 'agentType' | 'name' | 'teamName'>;

export const agentRefOf = (agent: AgentPlan): AgentRef =>
  ({ agentId: agent.agentId, agentType: agent.agentType, name: agent.name, teamName: agent.teamName });

export function sourceOf(agent: AgentRef): EventSource {
  return { agent_id: agent.agentId, agent_type: agent.agentType, agent_name: agent.name, team_name: agent.teamName };
}

/** The label the original prints for an agent: `[Team: X | Worker: Y]`. */
export function labelOf(agent: AgentPlan): string {
  if (agent.agentType === 'global_supervisor') return '[Global Supervisor]';
  if (agent.agentType === 'team_supervisor') return `[Team: ${agent.teamName} | Supervisor]`;
  return `[Team: ${agent.teamName} | Worker: ${agent.name}]`;
}

/** The topology snapshot stored with the run and sent as `system.topology`. */
export function topologyOf(plan: RunPlan): Record<string, unknown> {
  const agent = (a: AgentPlan) => ({
    agent_id: a.agentId, name: a.name, model: a.model.name, ...(a.role && { role: a.role }), ...(a.tools?.length && { tools: a.tools }),
  });
  return {
    execution_mode: plan.executionMode,
    enable_context_sharing: plan.enableContextSharing,
    global_supervisor: agent(plan.globalSupervisor),
    teams: plan.teams.map((t) => ({
      name: t.name,
      prevent_duplicate: t.preventDuplicate,
      share_context: t.shareContext,
      supervisor: agent(t.supervisor),
      workers: t.workers.map(agent),
    })),
  };
}

/** The agent ids of a stored topology (`topologyOf`): which agents a run has, read without its actors. */
export function agentIdsIn(topology: Record<string, unknown> | null): Set<string> {
  const ids = new Set<string>();
  const add = (agent: unknown) => {
    const id = (agent as { agent_id?: unknown } | null)?.agent_id;
    if (typeof id === 'string') ids.add(id);
  };
  add(topology?.global_supervisor);
  for (const team of (topology?.teams as Array<{ supervisor?: unknown; workers?: unknown[] }> | undefined) ?? []) {
    add(team.supervisor);
    for (const worker of team.workers ?? []) add(worker);
  }
  return ids;
}

/** The user message an agent gets: its predefined `user_message` (with `{task}` filled in) and the task. */
export function userPromptFor(agent: AgentPlan, task: string): string {
  if (!agent.userMessage) return task;
  if (agent.userMessage.includes('{task}')) return agent.userMessage.replaceAll('{task}', task);
  return `${agent.userMessage}\n\nTask: ${task}`;
}

/** The address of a run's root actor in its own system (set by whoever creates the run's actor). */
export const runSystemId = (runId: number): string => `run:${runId}`;
