import { defineRoute, type ApiRoute } from '../api-route.ts';
import { runTraceAnswerSchema, runTraceSchema, runTraceSpanAnswerSchema, runTraceSpanSchema } from '../../domain/trace-schemas.ts';
import { noteRun } from '../request-log.ts';
import { traceExamples } from './examples/trace-examples.ts';
import type { TraceService } from '../../services/trace-service.ts';

/** A run's trace: its spans (agent tasks, model calls, tool calls) and one span's whole detail. */
export function traceRoutes(traces: TraceService): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/trace', tag: 'runs', alsoGet: true,
      summary: "The run's trace: one span per agent task, model call, tool call and wait for a human, nested as the actor tree, "
        + 'with start/end, status, tokens, cost and errors (POST, or GET ?id=). Built from the stored events, live runs too (open spans have end null)',
      description: 'Where the time, tokens and money of a run went. Spans: `run`, `agent_task` (an agent working on one task), `model_call` '
        + '(`call:<agent_id>#<n>`), `tool_call`, `human_wait`; each names its `parent_id`, so the spans form the actor tree. `start_ms`/`end_ms` are '
        + 'offsets from the run\'s start (the waterfall\'s axis); usage and cost of a task or the run are the sums of the model calls under them. '
        + '`totals.wall_ms` is the run\'s wall time, `agent_task_ms` the agents\' time summed. A live run\'s open spans have `end: null`, status `running`; '
        + 'ask again as events arrive. `trace_url` links the OTel trace when TRACE_URL_TEMPLATE is set. At most 5,000 spans (`truncated`). '
        + 'A span\'s full input and output: runs/trace/span.',
      examples: traceExamples.trace,
      body: runTraceSchema, response: runTraceAnswerSchema,
      errors: { '404': 'RUN_NOT_FOUND (no such run for this tenant)' },
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return traces.trace(repos, input.id);
      },
    }),
    defineRoute({
      path: '/runs/trace/span', tag: 'runs', alsoGet: true,
      summary: "One span of runs/trace with everything its events hold: a model call's whole input (system prompt and messages), output, "
        + "reasoning and tool calls; a tool call's arguments and result; a task's task and outcome",
      description: 'The detail behind one span of runs/trace, rebuilt from the stored events: for a model call the system prompt and every input message '
        + '(the conversation as the model saw it), the text it answered, its reasoning and the tool calls it made; for a tool call its arguments and result.',
      examples: traceExamples.span,
      body: runTraceSpanSchema, response: runTraceSpanAnswerSchema,
      errors: { '404': 'RUN_NOT_FOUND (no such run for this tenant) or SPAN_NOT_FOUND (no such span_id in the run)' },
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return traces.span(repos, input.id, input.span_id);
      },
    }),
  ];
}
