import { defineRoute, type ApiRoute } from '../api-route.ts';
import { runRespondSchema, runView, runViewSchema } from '../../domain/run-schemas.ts';
import { noteRun } from '../request-log.ts';
import type { HumanInputService } from '../../services/human-input-service.ts';

export function humanInputRoutes(humanInput: HumanInputService): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/respond', tag: 'runs',
      summary: 'Answer a request of a run waiting for a human (approve or deny a tool call, answer ask_human): the run resumes, from any process',
      body: runRespondSchema, response: runViewSchema, message: 'run resumed',
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runView(await humanInput.respond(repos, input));
      },
    }),
  ];
}
