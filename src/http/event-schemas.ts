import { z } from 'zod';
import { outcomeSchema } from '../domain/agent-control-schemas.ts';
import { pendingInputSchema } from '../domain/run-schemas.ts';

/**
 * The documented shape of every event a run streams (runs/stream, runs/events), for the
 * OpenAPI document's components (reached through runs/events' answer): the envelope, and the
 * `data` of each `category.action`.
 * Documentation only: events are written by the actors and never validated on the hot path.
 * Data objects are open (more fields may appear in a later version); clients read what they know.
 */

const open = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);

export const eventSourceSchema = z.object({
  agent_id: z.string().meta({ description: 'Stable id of the agent: the agent_id of runs/agents/cancel and steer' }),
  agent_type: z.enum(['global_supervisor', 'team_supervisor', 'worker']),
  agent_name: z.string(),
  team_name: z.string().nullable(),
}).meta({ id: 'EventSource', description: 'The agent that emitted the event; null for events of the run itself' });

const statistics = z.record(z.string(), z.unknown()).meta({ description: 'As runs/get statistics: totals and agents (each with its outcome)' });
const budgetScope = z.string().meta({ description: '`run`, `team:<team name>` or `agent:<agent_id>`', examples: ['team:Analysts'] });

/** `category.action` → the schema of its `data`, with a description of when it is emitted. */
export const EVENT_DATA: Record<string, { description: string; data: z.ZodType }> = {
  'lifecycle.started': { description: 'The run started', data: open({ task: z.string() }) },
  'lifecycle.resumed': {
    description: 'Another process took the run over from its checkpoint (its owner was lost or shut down); the run goes on',
    data: open({ resume: z.number(), from_process: z.string().nullable(), checkpoint_sequence: z.number().nullable(), reason: z.string().optional() }),
  },
  'lifecycle.completed': { description: 'The run completed (last event)', data: open({ result: z.string().nullable(), statistics }) },
  'lifecycle.failed': { description: 'The run failed (last event)', data: open({ error: z.string().nullable(), details: open({ statistics }).optional() }) },
  'lifecycle.cancelled': { description: 'The run was cancelled (last event)', data: open({}) },
  'llm.stream': { description: 'A piece of text an agent streamed', data: open({ content: z.string() }) },
  'llm.reasoning': { description: "A piece of a model's reasoning", data: open({ content: z.string() }) },
  'llm.tool_call': {
    description: 'An agent calls a tool (a supervisor: a team or worker, followed by dispatch.*)',
    data: open({ tool_name: z.string(), tool_call_id: z.string(), tool_count: z.number(), input: z.unknown() }),
  },
  'llm.tool_result': {
    description: "A tool's answer",
    data: open({
      tool_name: z.string(), tool_call_id: z.string(), is_error: z.boolean(), result: z.unknown(),
      duration_ms: z.number().optional().meta({ description: "A worker's tool: how long it ran (a turn's results go out together, once its last call is done)" }),
    }),
  },
  'llm.call_started': {
    description: 'An agent makes a model call (it goes out with the call\'s first deltas). Its messages are those new since the agent\'s previous call of the task: '
      + 'the call\'s whole input is the previous call\'s messages up to messages_from, then these (runs/trace/span rebuilds it)',
    data: open({
      call_id: z.string().meta({ description: '`<agent_id>#<n>`: the agent\'s n-th call; unique in the run, the same when a call is issued again after a resume', examples: ['team-research-worker-analyst#2'] }),
      agent_id: z.string(),
      started_at: z.string().meta({ description: 'When the call was made (ISO)' }),
      model: z.string().meta({ description: 'The registered model\'s name' }),
      provider: z.string(),
      model_id: z.string(),
      messages_from: z.number().meta({ description: 'The index in the conversation the messages start at (0: a new conversation, a new task)' }),
      messages: z.array(z.unknown()).meta({ description: 'The language-model prompt format: {role: user|assistant|tool, content: [parts]}' }),
      system: z.string().optional().meta({ description: 'The system prompt, on the agent\'s first call only (every call of the agent has the same)' }),
      tools: z.array(z.string()).meta({ description: 'The tools offered (a supervisor: its teams or workers)' }),
      restarted: z.boolean().optional().meta({ description: 'Issued again after the run moved to another process' }),
    }),
  },
  'llm.call_completed': {
    description: 'A model call ended (a call aborted by a cancel or the run\'s end has none: its agent.cancelled or the run\'s end says so)',
    data: open({
      call_id: z.string(),
      status: z.enum(['ok', 'failed', 'cancelled']),
      usage: open({ input_tokens: z.number(), output_tokens: z.number(), reasoning_tokens: z.number(), cached_input_tokens: z.number() }),
      cost_usd: z.number().meta({ description: "From the model's prices (0: unpriced)" }),
      duration_ms: z.number(),
      retries: z.number().meta({ description: 'Attempts retried after a failure before any output' }),
      finish: open({ reason: z.string(), text_chars: z.number(), tool_calls: z.number() }).optional().meta({ description: 'A finished call' }),
      error: z.string().optional().meta({ description: 'A failed call: why (secrets redacted)' }),
    }),
  },
  'llm.turn_restarted': {
    description: 'A model turn in flight when the run moved to another process is issued again from its start',
    data: open({ agent_id: z.string(), reason: z.string() }),
  },
  'dispatch.team': { description: 'The global supervisor gives a team a task', data: open({ team_name: z.string(), task: z.string(), tool_call_id: z.string() }) },
  'dispatch.worker': {
    description: 'A team supervisor gives a worker a task',
    data: open({ team_name: z.string(), worker_name: z.string(), task: z.string(), tool_call_id: z.string() }),
  },
  ...Object.fromEntries((['team', 'worker'] as const).map((kind) => [`dispatch.${kind}_completed`, {
    description: `A ${kind}'s delegation ended, with its typed outcome`,
    data: open({
      team_name: z.string(),
      ...(kind === 'worker' && { worker_name: z.string() }),
      tool_call_id: z.string(),
      ok: z.boolean(),
      status: outcomeSchema.shape.status,
      outcome: outcomeSchema.optional(),
      deduplicated: z.boolean(),
      duration_ms: z.number(),
    }),
  }])),
  'system.topology': { description: "The run's agents (each with its agent_id), teams and execution mode", data: open({ topology: z.record(z.string(), z.unknown()) }) },
  'system.error': { description: 'An agent met an error', data: open({ error: z.string(), task: z.string().optional() }) },
  'agent.cancelled': {
    description: "An agent stopped by runs/agents/cancel (each agent of the cancelled subtree records its own)",
    data: open({
      agent_id: z.string(), mode: z.enum(['hard', 'graceful']),
      cancelled_by: z.string().meta({ description: 'The agent the cancel was asked for (its subtree stops with it)' }),
      outcome: outcomeSchema,
    }),
  },
  'agent.steered': {
    description: 'runs/agents/steer gave an agent a message for its next model turn',
    data: open({ agent_id: z.string(), message: z.string(), delivery: z.string().meta({ examples: ['next_model_turn'] }) }),
  },
  'budget.warning': {
    description: 'A budget reached 80 %',
    data: open({ scope: budgetScope, limit: z.string().meta({ examples: ['max_tokens'] }), spent: z.number(), max: z.number() }),
  },
  'budget.exhausted': {
    description: 'A budget reached its limit: that subtree stops with outcome budget_exhausted (a run budget ends the run)',
    data: open({ scope: budgetScope, limit: z.string().meta({ examples: ['max_model_calls'] }), spent: z.number(), max: z.number() }),
  },
  'human.requested': {
    description: 'A worker\'s call waits for a human (the run parks as waiting_input once nothing else works); the agent is the event\'s source',
    data: pendingInputSchema.omit({ agent_id: true }).extend({ tool_call_id: z.string() }).loose(),
  },
  'human.responded': {
    description: 'runs/respond answered a request; the run goes on',
    data: open({
      request_id: z.string(), kind: z.enum(['approval', 'question']), tool_name: z.string(), tool_call_id: z.string(),
      approved: z.boolean().optional(), answer: z.string().optional(), message: z.string().optional(),
    }),
  },
  'human.withdrawn': {
    description: 'The agent whose call waited for a human was cancelled: its request is withdrawn, unanswered',
    data: open({ request_id: z.string(), tool_name: z.string(), tool_call_id: z.string() }),
  },
};

/** `agent.cancelled` → `AgentCancelledEvent`. */
function eventId(type: string): string {
  return `${type.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Event`;
}

export const envelope = {
  run_id: z.number(),
  timestamp: z.string(),
  sequence: z.number().meta({ description: "1, 2, 3… per run, no gap: the SSE id, and Last-Event-ID's value to resume after it" }),
  source: eventSourceSchema.nullable(),
};

/** One schema per event type: the envelope with its category and action fixed, and its data. */
const eventSchemas = Object.entries(EVENT_DATA).map(([type, { description, data }]) => {
  const [category, action] = type.split('.') as [string, string];
  return z.object({ ...envelope, event: z.object({ category: z.literal(category), action: z.literal(action) }), data })
    .meta({ id: eventId(type), description: `${type}: ${description}` });
});

export const runEventSchema = z.union(eventSchemas as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]).meta({
  id: 'RunEvent',
  description: 'An event of a run, as runs/stream sends it (SSE `event: <category>.<action>`, `data:` this JSON) and runs/events lists it. '
    + 'Categories: lifecycle, llm, dispatch, system, agent (control of one agent), budget, human (human in the loop).',
});
