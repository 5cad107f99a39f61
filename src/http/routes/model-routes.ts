import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import type { TenantEnvPolicy } from '../../services/model-service.ts';
import { idSchema, pageOf } from '../../domain/common-schemas.ts';
import { modelCreateSchema, modelListSchema, modelUpdateSchema, modelView, modelViewSchema } from '../../domain/model-schemas.ts';
import { createModel, deleteModel, getModel, listModels, updateModel } from '../../services/model-service.ts';
import { modelExamples } from './examples/model-examples.ts';

const MODEL_404 = 'MODEL_NOT_FOUND: no such model for this tenant';
const KEY_400 = 'OUTBOUND_REFUSED (base_url reaches an address the outbound policy refuses), ENV_NOT_ALLOWED (api_key_env is not in TENANT_ENV_ALLOWED), SECRET_NOT_FOUND (no secret named api_key_secret)';

/** The CRUD routes, made with what tenants' rows may reference (TENANT_ENV_ALLOWED, the outbound policy). */
export function modelRoutes(policy: TenantEnvPolicy): ApiRoute[] {
  return [
    defineRoute({
      path: '/models/list', tag: 'models', summary: 'List models (paginated)', body: modelListSchema,
      description: "The tenant's models, newest first; filter by provider and is_active. Agents name a model in llm_config.model_id by its id, name or model_id.",
      examples: modelExamples.list,
      response: modelViewSchema, paginated: true,
      async handle({ input, repos }) {
        const slice = await listModels(repos, { page: input.page, size: input.size, isActive: input.is_active, provider: input.provider });
        return pageOf(slice.items.map(modelView), slice.total, input.page, input.size);
      },
    }),
    defineRoute({
      path: '/models/create', tag: 'models', summary: 'Register a model', body: modelCreateSchema,
      description: 'A provider (simulated, openai, openai-compatible, anthropic, bedrock) and its model_id, with the key from a secret (api_key_secret: secrets/set first) '
        + 'or from an operator variable (api_key_env), optional sampling defaults and prices (USD per million tokens, for cost and budgets). '
        + 'Names are unique per tenant. models/check then tells whether the key works.',
      examples: modelExamples.create, errors: { '400': KEY_400, '409': 'CONFLICT: a model of that name exists' },
      response: modelViewSchema, message: 'model created',
      async handle({ input, repos }) {
        return modelView(await createModel(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/models/get', tag: 'models', summary: 'A model by its id', body: idSchema, response: modelViewSchema,
      description: 'A model by its id. Its key is never shown: only where it comes from (api_key_env or api_key_secret).',
      examples: modelExamples.get, errors: { '404': MODEL_404 },
      async handle({ input, repos }) {
        return modelView(await getModel(repos, input.id));
      },
    }),
    defineRoute({
      path: '/models/update', tag: 'models', summary: 'Change a model', body: modelUpdateSchema,
      description: 'The fields given replace the stored ones (null clears an optional one); the others stay. Runs started afterwards use the change.',
      examples: modelExamples.update, errors: { '400': KEY_400, '404': MODEL_404, '409': 'CONFLICT: another model has that name' },
      response: modelViewSchema, message: 'model updated',
      async handle({ input, repos }) {
        return modelView(await updateModel(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/models/delete', tag: 'models', summary: 'Remove a model', body: idSchema,
      description: 'Hierarchies naming it are refused when a run starts, naming the agent (update them first).',
      examples: modelExamples.delete, errors: { '404': MODEL_404 },
      response: z.object({ id: z.string() }), message: 'model deleted',
      async handle({ input, repos }) {
        await deleteModel(repos, input.id);
        return { id: input.id };
      },
    }),
  ];
}
