import { defineRoute, type ApiRoute } from '../api-route.ts';
import { runRespondSchema, runView, runViewSchema } from '../../domain/run-schemas.ts';
import { noteRun } from '../request-log.ts';
import type { HumanInputService } from '../../services/human-input-service.ts';
import { runExamples } from './examples/run-examples.ts';

export function humanInputRoutes(humanInput: HumanInputService): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/respond', tag: 'runs',
      summary: 'Answer a request of a run waiting for a human (approve or deny a tool call, answer ask_human): the run resumes, from any process',
      description: 'A run is waiting_input when a worker called a tool that needs approval, or ask_human: runs/get lists the requests in pending_inputs, '
        + 'runs/stream announces each as human.requested. An approval takes approve (and a message for the model with a denial), a question an answer. '
        + 'Answers the run, going on.',
      examples: runExamples.respond,
      errors: {
        '400': 'MISSING_FIELD: approve is required for an approval, answer for a question',
        '404': 'RUN_NOT_FOUND, or INPUT_REQUEST_NOT_FOUND (the run has no open request of that id)',
        '409': 'RUN_NOT_WAITING (the run is not waiting for input), or INPUT_ALREADY_ANSWERED',
      },
      body: runRespondSchema, response: runViewSchema, message: 'run resumed',
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runView(await humanInput.respond(repos, input));
      },
    }),
  ];
}
