import type { AgentModel } from '../models/model-factory.ts';
import type { AgentType, EventSource } from '../events/run-event.ts';
import type { ToolSettings } from '../tools/tool-settings.ts';
import type { McpHeaderResolver, McpServerConfig } from '../tools/mcp-connection.ts';

/** Everything one agent needs to work: resolved before the run starts, so a run never reads config. */
export interface AgentPlan {
  agentId: string;
  agentType: AgentType;
  /** Display name: "Global Supervisor", "Supervisor" or the worker's name. */
  name: string;
  teamName: string | null;
  role: string | null;
  systemPrompt: string;
  userMessage?: string;
  model: AgentModel;
  /** A worker's tools: built-in names and `mcp:<server>[/<tool>]` (none: it answers with one model call). */
  tools?: string[];
}

/** How workers use their tools in a run: plain data, resolved from the process's settings. */
export interface WorkerToolConfig {
  settings: ToolSettings;
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

export interface RunPlan {
  runId: number;
  tenantId: string;
  hierarchyId: string;
  task: string;
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
  /** Resolves an MCP server's header values when the run connects (env and tenant secrets); absent: none. */
  mcpHeaders?: McpHeaderResolver;
}

export function sourceOf(agent: AgentPlan): EventSource {
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

/** The user message an agent gets: its predefined `user_message` (with `{task}` filled in) and the task. */
export function userPromptFor(agent: AgentPlan, task: string): string {
  if (!agent.userMessage) return task;
  if (agent.userMessage.includes('{task}')) return agent.userMessage.replaceAll('{task}', task);
  return `${agent.userMessage}\n\nTask: ${task}`;
}
