import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import { legacyExecuteRequest } from '../../domain/legacy-execute.ts';
import { executeInline } from '../../services/execute-service.ts';
import type { RunService } from '../../services/run-service.ts';
import { runExamples } from './examples/run-examples.ts';

const executeAnswerSchema = z.object({
  success: z.boolean(),
  run_id: z.number(),
  status: z.string(),
  topology: z.object({
    global_supervisor_id: z.string(),
    teams: z.array(z.object({
      team_id: z.string(), team_name: z.string(), supervisor_id: z.string(),
      workers: z.array(z.object({ worker_id: z.string(), worker_name: z.string(), role: z.string() })),
    })),
  }),
  events: z.array(z.record(z.string(), z.unknown())),
  result: z.string().nullable(),
  error: z.string().nullable(),
  statistics: z.record(z.string(), z.unknown()).nullable(),
}).meta({ id: 'ExecuteAnswer' });

/** The original's legacy synchronous endpoint, answered when the run ends. */
export function executeRoutes(runs: RunService): ApiRoute[] {
  return [
    defineRoute({
      path: '/execute', root: true, unwrapped: true, tag: 'execute', bounded: true,
      summary: 'Run a task on an inline hierarchy and answer when it ends (the original\'s legacy endpoint); '
        + 'the fields of hierarchies/create (no name) plus task, or the older form (global_prompt, supervisor_prompt, flat LLM fields)',
      description: 'Blocks until the run ends and answers its result with every event (unlike runs/start, which answers at once). A client that disconnects cancels the run. '
        + 'The inline hierarchy is kept hidden with the run and deleted with it.',
      examples: runExamples.execute,
      errors: {
        '400': 'MISSING_FIELD: task or the hierarchy is missing; a model an agent names is not registered',
        '503': 'SHUTTING_DOWN: this process is stopping',
      },
      body: z.record(z.string(), z.unknown()).meta({ description: 'Inline hierarchy and task' }),
      response: executeAnswerSchema,
      async handle({ ctx, input, repos }) {
        const request = legacyExecuteRequest(input);
        // A client that goes away before the answer cancels its run.
        const gone = new AbortController();
        const onClose = () => {
          if (!ctx.res.writableEnded) gone.abort();
        };
        ctx.res.once('close', onClose);
        try {
          ctx.status = 200;
          ctx.body = await executeInline(runs, repos, request, gone.signal);
        } finally {
          ctx.res.off('close', onClose);
        }
        return undefined;
      },
    }),
  ];
}
