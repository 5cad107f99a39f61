import { z } from 'zod';
import { defineRoute } from '../api-route.ts';
import { idSchema, pageOf } from '../../domain/common-schemas.ts';
import {
  hierarchyCreateSchema, hierarchyListSchema, hierarchyUpdateSchema, hierarchyView, hierarchyViewSchema,
} from '../../domain/hierarchy-schemas.ts';
import { createHierarchy, deleteHierarchy, getHierarchy, listHierarchies, updateHierarchy } from '../../services/hierarchy-service.ts';
import { hierarchyExamples } from './examples/hierarchy-examples.ts';

const HIERARCHY_404 = 'HIERARCHY_NOT_FOUND: no such hierarchy for this tenant';
const REFS_400 = 'A model (llm_config.model_id), MCP server (mcp:<server>) or tool a worker names does not exist, naming its path (teams[0].workers[1].tools[0])';

export const hierarchyRoutes = [
  defineRoute({
    path: '/hierarchies/list', tag: 'hierarchies', summary: 'List hierarchies (paginated)', body: hierarchyListSchema,
    description: "The tenant's hierarchies, as stored (normalised: every agent with its agent_id, every option with its value).",
    examples: hierarchyExamples.list,
    response: hierarchyViewSchema, paginated: true,
    async handle({ input, repos }) {
      const slice = await listHierarchies(repos, { page: input.page, size: input.size, isActive: input.is_active });
      return pageOf(slice.items.map(hierarchyView), slice.total, input.page, input.size);
    },
  }),
  defineRoute({
    path: '/hierarchies/create', tag: 'hierarchies', summary: 'Create a team hierarchy', body: hierarchyCreateSchema,
    description: 'A global supervisor, its teams (each a supervisor and its workers) and how they run: teams in parallel or one after the other, with shared context or not. '
      + 'Every agent may name a model in llm_config.model_id (id, name or model_id; absent: the model named simulated); workers may have tools '
      + '(calculator, http_request, ask_human, mcp:<server>), each optionally approved by a human. Names are unique per tenant: runs/start takes the name as hierarchy_name.',
    examples: hierarchyExamples.create, errors: { '400': REFS_400, '409': 'CONFLICT: a hierarchy of that name exists' },
    response: hierarchyViewSchema, message: 'hierarchy created',
    async handle({ input, repos }) {
      return hierarchyView(await createHierarchy(repos, input));
    },
  }),
  defineRoute({
    path: '/hierarchies/get', tag: 'hierarchies', summary: 'A hierarchy by its id', body: idSchema, response: hierarchyViewSchema,
    description: 'A hierarchy by its id, with its version (bumped by every change of its configuration).',
    examples: hierarchyExamples.get, errors: { '404': HIERARCHY_404 },
    async handle({ input, repos }) {
      return hierarchyView(await getHierarchy(repos, input.id));
    },
  }),
  defineRoute({
    path: '/hierarchies/update', tag: 'hierarchies', summary: 'Change a hierarchy (teams replaces all)', body: hierarchyUpdateSchema,
    description: 'The fields given replace the stored ones; `teams` replaces every team. Runs already started keep the configuration they started with.',
    examples: hierarchyExamples.update, errors: { '400': REFS_400, '404': HIERARCHY_404, '409': 'CONFLICT: another hierarchy has that name' },
    response: hierarchyViewSchema, message: 'hierarchy updated',
    async handle({ input, repos }) {
      return hierarchyView(await updateHierarchy(repos, input));
    },
  }),
  defineRoute({
    path: '/hierarchies/delete', tag: 'hierarchies', summary: 'Remove a hierarchy', body: idSchema,
    description: 'Its runs stay (runs/list still shows them); no new run can start on it.',
    examples: hierarchyExamples.delete, errors: { '404': HIERARCHY_404 },
    response: z.object({ id: z.string() }), message: 'hierarchy deleted',
    async handle({ input, repos }) {
      await deleteHierarchy(repos, input.id);
      return { id: input.id };
    },
  }),
];
