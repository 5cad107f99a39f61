import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import type { TenantEnvPolicy } from '../../services/model-service.ts';
import { idSchema, pageOf } from '../../domain/common-schemas.ts';
import { modelCreateSchema, modelListSchema, modelUpdateSchema, modelView, modelViewSchema } from '../../domain/model-schemas.ts';
import { createModel, deleteModel, getModel, listModels, updateModel } from '../../services/model-service.ts';

/** The CRUD routes, made with what tenants' rows may reference (TENANT_ENV_ALLOWED, the outbound policy). */
export function modelRoutes(policy: TenantEnvPolicy): ApiRoute[] {
  return [
    defineRoute({
      path: '/models/list', tag: 'models', summary: 'List models (paginated)', body: modelListSchema,
      response: modelViewSchema, paginated: true,
      async handle({ input, repos }) {
        const slice = await listModels(repos, { page: input.page, size: input.size, isActive: input.is_active, provider: input.provider });
        return pageOf(slice.items.map(modelView), slice.total, input.page, input.size);
      },
    }),
    defineRoute({
      path: '/models/create', tag: 'models', summary: 'Register a model', body: modelCreateSchema,
      response: modelViewSchema, message: 'model created',
      async handle({ input, repos }) {
        return modelView(await createModel(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/models/get', tag: 'models', summary: 'One model', body: idSchema, response: modelViewSchema,
      async handle({ input, repos }) {
        return modelView(await getModel(repos, input.id));
      },
    }),
    defineRoute({
      path: '/models/update', tag: 'models', summary: 'Change a model', body: modelUpdateSchema,
      response: modelViewSchema, message: 'model updated',
      async handle({ input, repos }) {
        return modelView(await updateModel(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/models/delete', tag: 'models', summary: 'Remove a model', body: idSchema,
      response: z.object({ id: z.string() }), message: 'model deleted',
      async handle({ input, repos }) {
        await deleteModel(repos, input.id);
        return { id: input.id };
      },
    }),
  ];
}
