import type { TenantRepositories } from '../../domain/repositories.ts';
import type { HierarchyRecord } from '../../domain/hierarchy-schemas.ts';
import { notFound, unprocessable } from './lg-errors.ts';
import type { LgRoute } from './lg-mount.ts';
import { limitsOf, paginate, sliceAt } from './lg-services.ts';
import { assistantOf, GRAPH_ID } from './lg-views.ts';

/** An assistant by id, or by name (as Cadre's own clients name hierarchies). */
export async function findAssistant(repos: TenantRepositories, ref: string): Promise<HierarchyRecord> {
  const hierarchy = (await repos.hierarchies.find(ref)) ?? (await repos.hierarchies.findByName(ref));
  if (!hierarchy) throw notFound(`assistant ${ref}`);
  return hierarchy;
}

const message = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['human', 'user', 'ai'] },
    role: { type: 'string' },
    content: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', properties: { type: { const: 'text' }, text: { type: 'string' } } } }] },
  },
  required: ['content'],
};
const messagesState = (description: string) => ({
  type: 'object', title: 'CadreState', description,
  properties: { messages: { type: 'array', items: message } },
  required: ['messages'],
});

/** Every assistant's graph has the same schemas: a conversation of messages in, the conversation with the answer out. */
function schemasOf() {
  return {
    graph_id: GRAPH_ID,
    input_schema: messagesState("The last human message is the run's task; the thread's earlier runs are its context"),
    output_schema: messagesState('The conversation: each run\'s task (human) and answer (ai)'),
    state_schema: messagesState('The conversation: each run\'s task (human) and answer (ai)'),
    config_schema: { type: 'object', properties: {} },
    context_schema: { type: 'object', properties: {} },
  };
}

/** The tenant's hierarchies matching a search: graph_id is always `cadre`; assistants carry no metadata to match. */
async function search(repos: TenantRepositories, body: Record<string, unknown>, limit: number, offset: number) {
  if (body.graph_id != null && body.graph_id !== GRAPH_ID) return { items: [], total: 0 };
  const metadata = body.metadata as Record<string, unknown> | null | undefined;
  if (metadata != null && (typeof metadata !== 'object' || Object.keys(metadata).length > 0)) return { items: [], total: 0 };
  if (body.name != null) {
    if (typeof body.name !== 'string') throw unprocessable('name: must be a string');
    const found = await repos.hierarchies.findByName(body.name);
    return { items: found && offset === 0 ? [found] : [], total: found ? 1 : 0 };
  }
  return sliceAt(offset, limit, (page, size) => repos.hierarchies.list({ page, size }));
}

function checkSort(body: Record<string, unknown>): void {
  // Cadre lists hierarchies newest first; other orders are refused rather than ignored.
  if (body.sort_by != null && body.sort_by !== 'created_at') throw unprocessable('sort_by: only created_at is supported');
  if (body.sort_order != null && body.sort_order !== 'desc') throw unprocessable('sort_order: only desc is supported');
}

export function assistantRoutes(): LgRoute[] {
  return [
    ['post', '/assistants/search', async ({ ctx, repos, body }) => {
      checkSort(body);
      const { limit, offset } = limitsOf(body);
      const found = await search(repos, body, limit, offset);
      paginate(ctx, offset, found.items.length, found.total);
      ctx.body = found.items.map(assistantOf);
    }],
    ['post', '/assistants/count', async ({ ctx, repos, body }) => {
      ctx.body = (await search(repos, body, 1, 0)).total;
    }],
    ['get', '/assistants/:assistant_id', async ({ ctx, repos }) => {
      ctx.body = assistantOf(await findAssistant(repos, String(ctx.params.assistant_id)));
    }],
    ['get', '/assistants/:assistant_id/schemas', async ({ ctx, repos }) => {
      await findAssistant(repos, String(ctx.params.assistant_id));
      ctx.body = schemasOf();
    }],
  ];
}
