import { defineRoute, type ApiRoute } from '../api-route.ts';
import {
  agentCancelExamples, agentCancelSchema, agentControlResultExamples, agentControlResultSchema, agentSteerExamples, agentSteerSchema,
} from '../../domain/agent-control-schemas.ts';
import { noteRun } from '../request-log.ts';
import type { AgentControlService } from '../../services/agent-control-service.ts';

/** Control of one agent of a live run: cancel its subtree, or steer its next model turn. */
export function agentRoutes(agents: AgentControlService): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/agents/cancel', tag: 'runs',
      summary: "Cancel one agent's subtree (hard: at once; graceful: after its model turn); answers once it stopped, with its outcome. The rest of the run goes on",
      description: 'The agent and everything under it stop, with outcome cancelled: its supervisor gets that outcome as its tool result and goes on. '
        + 'agent_id is the source.agent_id of its events (or see runs/inspect). Each stopped agent records agent.cancelled.',
      examples: [
        { summary: 'A worker, at once', request: agentCancelExamples[0]!, response: agentControlResultExamples.stopped },
        { summary: 'A team, after its model turn in progress', request: agentCancelExamples[1]!, response: { ...agentControlResultExamples.stopped, agent_id: 'team-research-supervisor' } },
      ],
      body: agentCancelSchema, response: agentControlResultSchema, message: 'agent cancelled',
      errors: {
        '404': 'RUN_NOT_FOUND (no such run for this tenant) or AGENT_NOT_FOUND (no such agent in the run)',
        '409': 'AGENT_ALREADY_STOPPED, RUN_ALREADY_ENDED, RUN_NOT_STARTED, or RUN_WAITING_INPUT (answer it with runs/respond, or cancel the run)',
        '503': 'AGENT_CANCEL_PENDING (asked, not in effect yet: a graceful cancel waits for the model turn in progress, or the owning process has not acted on it; the cancel stays asked and agent.cancelled records it) '
          + 'or AGENT_CONTROL_UNAVAILABLE (the run is between processes, or its process did not answer; retry)',
      },
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return agents.control(repos, input.id, { kind: 'cancel', agentId: input.agent_id, mode: input.mode });
      },
    }),
    defineRoute({
      path: '/runs/agents/steer', tag: 'runs',
      summary: "Give one agent a message for its next model turn (as a user message); recorded as an agent.steered event",
      description: 'The message reaches the agent at its next model turn, as a user message; the run goes on. Recorded as agent.steered.',
      examples: [{ summary: 'Narrow a team down', request: agentSteerExamples[0]!, response: agentControlResultExamples.steered }],
      body: agentSteerSchema, response: agentControlResultSchema, message: 'agent steered',
      errors: {
        '404': 'RUN_NOT_FOUND (no such run for this tenant) or AGENT_NOT_FOUND (no such agent in the run)',
        '409': 'AGENT_ALREADY_STOPPED, RUN_ALREADY_ENDED, RUN_NOT_STARTED, or RUN_WAITING_INPUT (answer it with runs/respond, or cancel the run)',
        '503': 'AGENT_CONTROL_UNAVAILABLE (the process running the run could not be reached; retry)',
      },
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return agents.control(repos, input.id, { kind: 'steer', agentId: input.agent_id, message: input.message });
      },
    }),
  ];
}
