import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import { idSchema } from '../../domain/common-schemas.ts';
import { providers } from '../../domain/model-schemas.ts';
import { checkModel } from '../../services/model-service.ts';
import type { ModelCallSettings } from '../../models/model-factory.ts';

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
      body: idSchema, response: modelCheckSchema,
      async handle({ input, repos }) {
        return checkModel(repos, input.id, settings);
      },
    }),
  ];
}
