import { z } from 'zod';
import { NotFoundError } from '../../errors/app-error.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import type { ThreadView } from '../../domain/thread-schemas.ts';
import { metadataSchema } from '../../domain/free-form-json.ts';
import { parseInput } from '../validate.ts';
import { notFound, unprocessable } from './lg-errors.ts';
import { isUuid } from './lg-ids.ts';
import type { LgRoute } from './lg-mount.ts';
import { limitsOf, paginate, sliceAt, type LgCall, type LgServices } from './lg-services.ts';
import { historyOf, MAX_HISTORY, stateOf, stateRuns, valuesOf } from './lg-state.ts';
import { GRAPH_ID, threadOf } from './lg-views.ts';

/** Thread metadata keys that name its assistant: shown by the adapter, not stored (a thread's hierarchy is fixed). */
const ASSISTANT_KEYS = ['assistant_id', 'graph_id'];

function ownMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !ASSISTANT_KEYS.includes(key)));
}

/** A thread id from the path: a thread is named by a UUID; anything else is no thread. */
export function threadIdOf(raw: unknown): string {
  const id = String(raw);
  if (!isUuid(id)) throw notFound(`thread ${id}`);
  return id;
}

/** The thread, of this tenant, as Cadre sees it (404 in LangGraph's words otherwise). */
export async function findThread(services: LgServices, repos: TenantRepositories, id: string): Promise<ThreadView> {
  if (!(await repos.threads.find(id))) throw notFound(`thread ${id}`);
  return services.threads.get(repos, id);
}

/** The thread as LangGraph shows it: with its values (its conversation) and interrupts. */
export async function lgThread(services: LgServices, repos: TenantRepositories, thread: ThreadView) {
  const runs = await stateRuns(services.runs, repos, thread.id);
  return threadOf(thread, valuesOf(runs), runs.at(-1));
}

const createSchema = z.looseObject({
  thread_id: z.string().refine(isUuid, 'must be a UUID').nullish(),
  metadata: metadataSchema().nullish(),
  if_exists: z.enum(['raise', 'do_nothing']).nullish(),
});

async function create({ ctx, repos, body, services }: LgCall): Promise<void> {
  if (body.supersteps != null) throw unprocessable('supersteps: creating a thread with state updates is not supported');
  if (body.ttl != null) throw unprocessable('ttl: thread time-to-live is not supported');
  const input = parseInput(createSchema, body);
  const metadata = input.metadata ?? {};
  if (input.thread_id && input.if_exists === 'do_nothing' && (await repos.threads.find(input.thread_id))) {
    ctx.body = await lgThread(services, repos, await services.threads.get(repos, input.thread_id));
    return;
  }
  // A Cadre thread runs on one hierarchy from the start: the client names it as LangGraph's threads' metadata does once they ran.
  const graph = typeof metadata.graph_id === 'string' && metadata.graph_id !== GRAPH_ID ? metadata.graph_id : undefined;
  const assistant = typeof metadata.assistant_id === 'string' ? metadata.assistant_id : graph;
  if (!assistant) throw unprocessable('metadata.assistant_id: name the assistant (hierarchy id or name) the thread runs on; a Cadre thread belongs to one');
  const thread = await services.threads.create(repos, {
    hierarchyId: assistant, metadata: ownMetadata(metadata), ...(input.thread_id && { threadId: input.thread_id }),
    ifExists: input.if_exists ?? 'raise',
  });
  ctx.body = await lgThread(services, repos, thread);
}

const searchSchema = z.looseObject({
  metadata: metadataSchema().nullish(),
  ids: z.array(z.string()).max(100).nullish(),
});

async function search({ ctx, repos, body, services }: LgCall): Promise<void> {
  for (const field of ['status', 'values', 'extract'] as const) {
    if (body[field] != null) throw unprocessable(`${field}: searching threads by ${field} is not supported`);
  }
  if (body.sort_by != null && body.sort_by !== 'created_at') throw unprocessable('sort_by: only created_at is supported');
  if (body.sort_order != null && body.sort_order !== 'desc') throw unprocessable('sort_order: only desc is supported');
  const input = parseInput(searchSchema, body);
  const { limit, offset } = limitsOf(body);
  const metadata = input.metadata ?? {};
  const graph = metadata.graph_id;
  let found: { items: ThreadView[]; total: number };
  if (graph !== undefined && graph !== GRAPH_ID) found = { items: [], total: 0 };
  else if (input.ids) {
    const threads: ThreadView[] = [];
    for (const id of input.ids) if (isUuid(id) && (await repos.threads.find(id))) threads.push(await services.threads.get(repos, id));
    found = { items: threads.slice(offset, offset + limit), total: threads.length };
  } else {
    const assistant = typeof metadata.assistant_id === 'string' ? metadata.assistant_id : undefined;
    const own = ownMetadata(metadata);
    try {
      found = await sliceAt(offset, limit, (page, size) => services.threads.list(repos, {
        page, size, ...(assistant && { hierarchyId: assistant }), ...(Object.keys(own).length > 0 && { metadata: own }),
      }));
    } catch (err) {
      // No such assistant: no thread runs on it.
      if (err instanceof NotFoundError && assistant) found = { items: [], total: 0 };
      else throw err;
    }
  }
  paginate(ctx, offset, found.items.length, found.total);
  const threads = await Promise.all(found.items.map((t) => lgThread(services, repos, t)));
  const select = Array.isArray(body.select) ? body.select.filter((f): f is string => typeof f === 'string') : [];
  ctx.body = select.length === 0 ? threads : threads.map((t) => Object.fromEntries(Object.entries(t).filter(([key]) => select.includes(key))));
}

async function update({ ctx, repos, body, services }: LgCall): Promise<void> {
  if (body.ttl != null) throw unprocessable('ttl: thread time-to-live is not supported');
  const id = threadIdOf(ctx.params.thread_id);
  const current = await findThread(services, repos, id);
  const metadata = parseInput(z.looseObject({ metadata: metadataSchema().nullish() }), body).metadata ?? {};
  // LangGraph merges the given keys into the thread's metadata.
  const merged = parseInput(metadataSchema(), { ...current.metadata, ...ownMetadata(metadata) });
  ctx.body = await lgThread(services, repos, await services.threads.update(repos, id, merged));
}

export function threadRoutes(): LgRoute[] {
  return [
    ['post', '/threads', create],
    ['post', '/threads/search', search],
    ['post', '/threads/count', async ({ ctx, repos, body, services }) => {
      if (body.status != null || body.values != null) throw unprocessable('status, values: counting threads by them is not supported');
      const metadata = (body.metadata ?? {}) as Record<string, unknown>;
      const assistant = typeof metadata.assistant_id === 'string' ? metadata.assistant_id : undefined;
      const own = ownMetadata(metadata);
      ctx.body = (await services.threads.list(repos, { page: 1, size: 1, ...(assistant && { hierarchyId: assistant }), ...(Object.keys(own).length > 0 && { metadata: own }) })).total;
    }],
    ['get', '/threads/:thread_id', async ({ ctx, repos, services }) => {
      ctx.body = await lgThread(services, repos, await findThread(services, repos, threadIdOf(ctx.params.thread_id)));
    }],
    ['patch', '/threads/:thread_id', update],
    ['delete', '/threads/:thread_id', async ({ ctx, repos, services }) => {
      const id = threadIdOf(ctx.params.thread_id);
      await findThread(services, repos, id);
      await services.threads.delete(repos, id);
      ctx.status = 204;
    }],
    ['get', '/threads/:thread_id/state', async ({ ctx, repos, services }) => {
      const thread = await findThread(services, repos, threadIdOf(ctx.params.thread_id));
      ctx.body = stateOf(thread, await stateRuns(services.runs, repos, thread.id));
    }],
    ['post', '/threads/:thread_id/history', async ({ ctx, repos, body, services }) => {
      const thread = await findThread(services, repos, threadIdOf(ctx.params.thread_id));
      const metadata = body.metadata as Record<string, unknown> | null | undefined;
      if (metadata != null && Object.keys(metadata).length > 0) throw unprocessable('metadata: filtering history by metadata is not supported');
      if (body.checkpoint != null) throw unprocessable('checkpoint: subgraph checkpoints are not supported');
      const limit = body.limit == null ? 10 : body.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) throw unprocessable(`limit: must be an integer from 1 to ${MAX_HISTORY}`);
      const before = (body.before as { configurable?: { checkpoint_id?: unknown } } | null | undefined)?.configurable?.checkpoint_id;
      if (before != null && typeof before !== 'string') throw unprocessable('before.configurable.checkpoint_id: must be a string');
      ctx.body = historyOf(thread, await stateRuns(services.runs, repos, thread.id), limit, before ?? undefined);
    }],
  ];
}
