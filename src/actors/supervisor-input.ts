import { labelOf, type RunPlan, type TeamPlan } from './run-plan.ts';
import { toolNamesFor } from './supervisor-calls.ts';
import type { SupervisorInput } from './supervisor-machine.ts';
import type { WorkerInput } from './worker-machine.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';

export type TeamSupervisorInput = SupervisorInput<WorkerInput>;
export type GlobalSupervisorInput = SupervisorInput<TeamSupervisorInput>;

function teamInput(plan: RunPlan, team: TeamPlan, mcpTools: Record<string, OfferedTool[]>): TeamSupervisorInput {
  const toolNames = toolNamesFor(team.workers.map((w) => w.name), 'worker_');
  return {
    agent: team.supervisor,
    parallel: plan.executionMode === 'parallel',
    shareContext: team.shareContext,
    maxTurns: plan.maxSupervisorTurns,
    children: team.workers.map((worker, i) => ({
      toolName: toolNames[i]!,
      kind: 'worker' as const,
      name: worker.name,
      teamName: team.name,
      description: `${labelOf(worker)} ${worker.role ?? ''}`.trim(),
      actorId: `worker:${worker.agentId}`,
      agentId: worker.agentId,
      preventDuplicate: team.preventDuplicate,
      sharesContext: true,
      input: {
        agent: worker, tools: plan.workerTools, ...(mcpTools[worker.agentId] && { externalTools: mcpTools[worker.agentId] }),
      },
    })),
  };
}

/**
 * The global supervisor's input, with its teams and their workers nested: the tree to spawn.
 * `mcpTools`: the MCP tools each worker is offered (by agent id), once the run's connections are open.
 */
export function globalSupervisorInput(plan: RunPlan, mcpTools: Record<string, OfferedTool[]> = {}): GlobalSupervisorInput {
  const toolNames = toolNamesFor(plan.teams.map((t) => t.name), 'team_');
  return {
    agent: plan.globalSupervisor,
    parallel: plan.executionMode === 'parallel',
    shareContext: plan.enableContextSharing,
    maxTurns: plan.maxSupervisorTurns,
    children: plan.teams.map((team, i) => ({
      toolName: toolNames[i]!,
      kind: 'team' as const,
      name: team.name,
      teamName: team.name,
      description: `Team "${team.name}": ${team.workers.map((w) => `${w.name} (${w.role ?? 'worker'})`).join(', ')}`,
      actorId: `team:${team.supervisor.agentId}`,
      agentId: team.supervisor.agentId,
      preventDuplicate: team.preventDuplicate,
      sharesContext: team.shareContext || plan.enableContextSharing,
      input: teamInput(plan, team, mcpTools),
    })),
  };
}
