import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import { idSchema } from '../../domain/common-schemas.ts';
import { providers } from '../../domain/model-schemas.ts';
import { checkModel } from '../../services/model-service.ts';
import type { ModelCallSettings } from '../../models/model-factory.ts';
import { modelExamples } from './examples/model-examples.ts';

const modelCheckSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.number().optional(),
  model_id: z.string(),
  provider: z.enum(providers),
  reply: z.string().optional(),
  error: z.string().optional(),
}).meta({ id: 'ModelCheck' });

/** `models/check`: configured (time budget, retries, key environment), so it lives apart from the plain CRUD routes. */
export function modelCheckRoutes(settings: ModelCallSettings & { timeoutMs: number }): ApiRoute[] {
  return [
    defineRoute({
      path: '/models/check', tag: 'models',
      summary: 'Send a tiny request through a model to verify its key and reachability: {ok, latency_ms} or {ok: false, error}',
      description: 'One call of at most 5 output tokens, no retry, within MODEL_CHECK_TIMEOUT_MS (15 s). A provider that refuses (a wrong key, an unknown model, no route to it) '
        + 'is an answer with ok: false and its error (never the key), not an HTTP error.',
      examples: modelExamples.check, errors: { '404': 'MODEL_NOT_FOUND: no such model for this tenant' },
      body: idSchema, response: modelCheckSchema,
      async handle({ input, repos }) {
        return checkModel(repos, input.id, settings);
      },
    }),
  ];
}
