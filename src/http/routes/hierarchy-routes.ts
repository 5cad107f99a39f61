import { z } from 'zod';
import { defineRoute } from '../api-route.ts';
import { idSchema, pageOf } from '../../domain/common-schemas.ts';
import {
  hierarchyCreateSchema, hierarchyListSchema, hierarchyUpdateSchema, hierarchyView, hierarchyViewSchema,
} from '../../domain/hierarchy-schemas.ts';
import { createHierarchy, deleteHierarchy, getHierarchy, listHierarchies, updateHierarchy } from '../../services/hierarchy-service.ts';

export const hierarchyRoutes = [
  defineRoute({
    path: '/hierarchies/list', tag: 'hierarchies', summary: 'List hierarchies (paginated)', body: hierarchyListSchema,
    response: hierarchyViewSchema, paginated: true,
    async handle({ input, repos }) {
      const slice = await listHierarchies(repos, { page: input.page, size: input.size, isActive: input.is_active });
      return pageOf(slice.items.map(hierarchyView), slice.total, input.page, input.size);
    },
  }),
  defineRoute({
    path: '/hierarchies/create', tag: 'hierarchies', summary: 'Create a team hierarchy', body: hierarchyCreateSchema,
    response: hierarchyViewSchema, message: 'hierarchy created',
    async handle({ input, repos }) {
      return hierarchyView(await createHierarchy(repos, input));
    },
  }),
  defineRoute({
    path: '/hierarchies/get', tag: 'hierarchies', summary: 'One hierarchy', body: idSchema, response: hierarchyViewSchema,
    async handle({ input, repos }) {
      return hierarchyView(await getHierarchy(repos, input.id));
    },
  }),
  defineRoute({
    path: '/hierarchies/update', tag: 'hierarchies', summary: 'Change a hierarchy (teams replaces all)', body: hierarchyUpdateSchema,
    response: hierarchyViewSchema, message: 'hierarchy updated',
    async handle({ input, repos }) {
      return hierarchyView(await updateHierarchy(repos, input));
    },
  }),
  defineRoute({
    path: '/hierarchies/delete', tag: 'hierarchies', summary: 'Remove a hierarchy', body: idSchema,
    response: z.object({ id: z.string() }), message: 'hierarchy deleted',
    async handle({ input, repos }) {
      await deleteHierarchy(repos, input.id);
      return { id: input.id };
    },
  }),
];
