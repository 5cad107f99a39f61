import { z } from 'zod';
import { gatewayFields } from './common-schemas.ts';
import { runId } from './run-schemas.ts';
import { runStatuses } from './run-records.ts';

/** runs/trace and runs/trace/span: a run's spans, built from its stored events (src/events/trace-builder.ts). */

export const runTraceSchema = z.object({ id: runId, ...gatewayFields }).strict()
  .meta({ id: 'RunTraceRequest', examples: [{ id: 42 }] });

export const spanIdSchema = z.string().min(1).max(600).meta({ description: 'A span_id of runs/trace', examples: ['call:team-research-worker-analyst#2'] });

export const runTraceSpanSchema = z.object({ id: runId, span_id: spanIdSchema, ...gatewayFields }).strict()
  .meta({ id: 'RunTraceSpanRequest', examples: [{ id: 42, span_id: 'call:team-research-worker-analyst#2' }] });

const usageSchema = z.object({
  input_tokens: z.number(), output_tokens: z.number(),
  reasoning_tokens: z.number().meta({ description: 'Of output_tokens, spent on reasoning' }),
  cached_input_tokens: z.number().meta({ description: 'Of input_tokens, read from the prompt cache' }),
}).meta({ id: 'SpanUsage' });

export const traceSpanSchema = z.object({
  span_id: z.string().meta({ description: 'Stable for the run: run, task:<agent_id>#<n>, call:<call_id>, tool:<agent_id>#<tool_count>, delegation:<agent_id>#<tool_count>, human:<request_id>' }),
  parent_id: z.string().nullable().meta({ description: 'The span it nests under (null: the run\'s own span)' }),
  kind: z.enum(['run', 'agent_task', 'model_call', 'tool_call', 'human_wait']),
  agent_id: z.string().nullable(),
  agent_name: z.string().nullable(),
  team_name: z.string().nullable(),
  name: z.string().meta({ description: 'The model (a call), the tool, the worker or team (a task)' }),
  start: z.string().meta({ description: 'ISO time' }),
  start_ms: z.number().meta({ description: "Milliseconds from the run's start" }),
  end: z.string().nullable().meta({ description: 'Null while open (a live run)' }),
  end_ms: z.number().nullable(),
  duration_ms: z.number().nullable(),
  status: z.enum(['ok', 'error', 'cancelled', 'running']),
  usage: usageSchema.nullable().meta({ description: "A model call's tokens; an agent task's and the run's: summed over the model calls under them" }),
  cost_usd: z.number().nullable().meta({ description: "USD from the models' prices (0: unpriced)" }),
  error: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()).meta({ description: 'Per kind: call_id, model, provider, retries, finish_reason (a call); input, result (a tool call); task, outcome (a task). Long values are cut: runs/trace/span has them whole' }),
  first_sequence: z.number().meta({ description: 'The first event of the span (runs/events)' }),
  last_sequence: z.number(),
}).meta({ id: 'TraceSpan' });

const totalsSchema = z.object({
  wall_ms: z.number().meta({ description: "The run's wall time (to now while it runs)" }),
  agent_task_ms: z.number().meta({ description: "Agent tasks' durations summed (above wall_ms when agents work at once)" }),
  model_ms: z.number(), tool_ms: z.number(),
  input_tokens: z.number(), output_tokens: z.number(), reasoning_tokens: z.number(), cached_input_tokens: z.number(),
  cost_usd: z.number(), model_calls: z.number(), tool_calls: z.number(),
  errors: z.number().meta({ description: 'Spans that ended in error' }),
  spans: z.number(),
}).meta({ id: 'TraceTotals' });

export const runTraceAnswerSchema = z.object({
  run_id: z.number(),
  status: z.enum(runStatuses),
  trace_id: z.string().nullable().meta({ description: "The run's OpenTelemetry trace id (null when tracing was off)" }),
  trace_url: z.string().nullable().meta({ description: 'The trace in a trace UI (TRACE_URL_TEMPLATE); null when not configured or no trace id' }),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  now_ms: z.number().meta({ description: "Milliseconds from the run's start to when this answer was made: where open spans end" }),
  spans: z.array(traceSpanSchema).meta({ description: 'In the order they began; nest them by parent_id' }),
  totals: totalsSchema,
  truncated: z.boolean().meta({ description: 'More spans than the bound (5,000): the later ones are left out' }),
  last_sequence: z.number().meta({ description: 'The last event read: poll again while the run is live' }),
}).meta({ id: 'RunTrace' });

const detailSchema = z.object({
  system: z.string().nullable().optional().meta({ description: "A model call: its agent's system prompt" }),
  messages: z.array(z.unknown()).optional().meta({ description: 'A model call: its whole input conversation, in the language-model prompt format (role, content parts)' }),
  output_text: z.string().optional(),
  reasoning: z.string().optional(),
  tool_calls: z.array(z.object({ tool_call_id: z.unknown(), tool_name: z.unknown(), input: z.unknown() })).optional().meta({ description: 'A model call: the tools it called' }),
  input: z.unknown().optional().meta({ description: "A tool call: its arguments" }),
  result: z.unknown().optional().meta({ description: "A tool call: its result; the run: its answer" }),
  is_error: z.boolean().optional(),
  tool_source: z.unknown().optional(),
  task: z.string().nullable().optional().meta({ description: 'An agent task or the run: the task given' }),
  outcome: z.unknown().optional().meta({ description: 'An agent task: how it ended (AgentOutcome)' }),
  error: z.string().nullable().optional(),
  request: z.record(z.string(), z.unknown()).optional().meta({ description: 'A wait for a human: the request (human.requested)' }),
  response: z.record(z.string(), z.unknown()).nullable().optional(),
}).meta({ id: 'SpanDetail' });

export const runTraceSpanAnswerSchema = z.object({ run_id: z.number(), span: traceSpanSchema, detail: detailSchema }).meta({ id: 'RunTraceSpan' });
