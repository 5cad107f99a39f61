import { defineRoute, type ApiRoute } from '../api-route.ts';
import { runTraceAnswerSchema, runTraceSchema, runTraceSpanAnswerSchema, runTraceSpanSchema } from '../../domain/trace-schemas.ts';
import { noteRun } from '../request-log.ts';
import type { TraceService } from '../../services/trace-service.ts';

/** A run's trace: its spans (agent tasks, model calls, tool calls) and one span's whole detail. */
export function traceRoutes(traces: TraceService): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/trace', tag: 'runs', alsoGet: true,
      summary: "The run's trace: one span per agent task, model call, tool call and wait for a human, nested as the actor tree, "
        + 'with start/end, status, tokens, cost and errors (POST, or GET ?id=). Built from the stored events, live runs too (open spans have end null)',
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
      body: runTraceSpanSchema, response: runTraceSpanAnswerSchema,
      errors: { '404': 'RUN_NOT_FOUND (no such run for this tenant) or SPAN_NOT_FOUND (no such span_id in the run)' },
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return traces.span(repos, input.id, input.span_id);
      },
    }),
  ];
}
