import { z } from 'zod';
import { gatewayFields } from './common-schemas.ts';
import { runId } from './run-schemas.ts';

/** Steered messages are user messages of the agent's next model turn: bounded like a task. */
export const MAX_STEER_MESSAGE_CHARS = 20_000;

/** Examples of the requests and answers (the schemas' own, and the routes' in the OpenAPI document). */
export const agentCancelExamples = [{ id: 42, agent_id: 'team-research-worker-analyst', mode: 'hard' }, { id: 42, agent_id: 'team-research-supervisor', mode: 'graceful' }];
export const agentSteerExamples = [{ id: 42, agent_id: 'team-research-supervisor', message: 'Focus on 2025 figures only.' }];
export const agentControlResultExamples = {
  stopped: {
    run_id: 42, agent_id: 'team-research-worker-analyst', status: 'stopped',
    outcome: {
      status: 'cancelled', output: null, partial_output: 'Q3 revenue grew 12 % year on year, driven by',
      usage: { input_tokens: 812, output_tokens: 64, model_calls: 1, tool_calls: 0, cost_usd: 0.0021 }, error: 'agent cancelled (hard)',
    },
  },
  steered: { run_id: 42, agent_id: 'team-research-supervisor', status: 'steered' },
};

const agentId = z.string().min(1).max(200).meta({ description: "The agent's id, as in events' source.agent_id and runs/inspect" });

export const agentCancelSchema = z.object({
  id: runId,
  agent_id: agentId,
  mode: z.enum(['graceful', 'hard']).default('hard')
    .meta({ description: 'hard: at once, aborting its model and tool calls; graceful: after its model turn in progress' }),
  ...gatewayFields,
}).strict().meta({ id: 'AgentCancel', examples: agentCancelExamples });

export const agentSteerSchema = z.object({
  id: runId,
  agent_id: agentId,
  message: z.string().trim().min(1, 'must not be empty').max(MAX_STEER_MESSAGE_CHARS),
  ...gatewayFields,
}).strict().meta({ id: 'AgentSteer', examples: agentSteerExamples });

const usageSchema = z.object({
  input_tokens: z.number(), output_tokens: z.number(), model_calls: z.number(), tool_calls: z.number(), cost_usd: z.number(),
});

export const outcomeSchema = z.object({
  status: z.enum(['completed', 'failed', 'cancelled', 'budget_exhausted', 'timed_out']),
  output: z.string().nullable(),
  partial_output: z.string().nullable(),
  usage: usageSchema,
  error: z.string().nullable(),
}).meta({ id: 'AgentOutcome', description: 'How a delegation ended: given to the supervisor as its tool result, kept in statistics.agents' });

export const agentControlResultSchema = z.object({
  run_id: z.number(),
  agent_id: z.string(),
  status: z.enum(['stopped', 'steered']),
  outcome: outcomeSchema.nullable().optional(),
}).meta({
  id: 'AgentControlResult',
  examples: [agentControlResultExamples.stopped, agentControlResultExamples.steered],
});
