import { labelOf, type RunPlan, type TeamPlan } from './run-plan.ts';
import { toolNamesFor } from './supervisor-calls.ts';
import type { SupervisorInput } from './supervisor-machine.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import type { RunTelemetry } from '../telemetry/run-telemetry.ts';

function teamInput(plan: RunPlan, team: TeamPlan, mcpTools: Record<string, OfferedTool[]>, telemetry?: RunTelemetry): SupervisorInput {
  const toolNames = toolNamesFor(team.workers.map((w) => w.name), 'worker_');
  return {
    agent: team.supervisor,
    parallel: plan.executionMode === 'parallel',
    shareContext: team.shareContext,
    maxTurns: plan.maxSupervisorTurns,
    ...(telemetry && { telemetry }),
    children: team.workers.map((worker, i) => ({
      toolName: toolNames[i]!,
      kind: 'worker' as const,
      name: worker.name,
      teamName: team.name,
      description: `${labelOf(worker)} ${worker.role ?? ''}`.trim(),
      actorId: `worker:${worker.agentId}`,
      preventDuplicate: team.preventDuplicate,
      sharesContext: true,
      input: {
        agent: worker, tools: plan.workerTools, ...(mcpTools[worker.agentId] && { externalTools: mcpTools[worker.agentId] }), ...(telemetry && { telemetry }),
      },
    })),
  };
}

/**
 * The global supervisor's input, with its teams and their workers nested: the tree to spawn.
 * `mcpTools`: the MCP tools each worker is offered (by agent id), once the run's connections are open.
 * `telemetry`: the run's metrics and spans, handed to every agent of the tree.
 */
export function globalSupervisorInput(plan: RunPlan, mcpTools: Record<string, OfferedTool[]> = {}, telemetry?: RunTelemetry): SupervisorInput {
  const toolNames = toolNamesFor(plan.teams.map((t) => t.name), 'team_');
  return {
    agent: plan.globalSupervisor,
    parallel: plan.executionMode === 'parallel',
    shareContext: plan.enableContextSharing,
    maxTurns: plan.maxSupervisorTurns,
    ...(telemetry && { telemetry }),
    children: plan.teams.map((team, i) => ({
      toolName: toolNames[i]!,
      kind: 'team' as const,
      name: team.name,
      teamName: team.name,
      description: `Team "${team.name}": ${team.workers.map((w) => `${w.name} (${w.role ?? 'worker'})`).join(', ')}`,
      actorId: `team:${team.supervisor.agentId}`,
      preventDuplicate: team.preventDuplicate,
      sharesContext: team.shareContext || plan.enableContextSharing,
      input: teamInput(plan, team, mcpTools, telemetry),
    })),
  };
}
