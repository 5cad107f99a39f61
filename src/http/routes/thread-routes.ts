import { defineRoute, type ApiRoute } from '../api-route.ts';
import { pageOf } from '../../domain/common-schemas.ts';
import { threadCreateSchema, threadIdSchema, threadListSchema, threadUpdateSchema, threadViewSchema } from '../../domain/thread-schemas.ts';
import { z } from 'zod';
import type { ThreadService } from '../../services/thread-service.ts';

const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

/** Threads: conversations of runs on one hierarchy (runs/start with thread_id continues one). */
export function threadRoutes(threads: ThreadService): ApiRoute[] {
  return [
    defineRoute({
      path: '/threads/create', tag: 'threads',
      summary: 'Create a thread: a conversation of runs on one hierarchy, each run given the earlier tasks and answers',
      body: threadCreateSchema, response: threadViewSchema, message: 'thread created',
      errors: { '404': 'HIERARCHY_NOT_FOUND', '409': 'THREAD_EXISTS (thread_id taken, if_exists raise) or THREAD_LIMIT (THREADS_MAX_PER_TENANT reached)' },
      handle: ({ input, repos }) => threads.create(repos, {
        hierarchyId: input.hierarchy_id, ifExists: input.if_exists,
        ...(input.metadata && { metadata: input.metadata }), ...(input.thread_id && { threadId: input.thread_id }),
      }),
    }),
    defineRoute({
      path: '/threads/get', tag: 'threads', summary: 'A thread, with its status (from its latest run) and run count',
      body: threadIdSchema, response: threadViewSchema, errors: { '404': 'THREAD_NOT_FOUND' },
      handle: ({ input, repos }) => threads.get(repos, input.id),
    }),
    defineRoute({
      path: '/threads/list', tag: 'threads', summary: 'List threads (paginated, newest first), by hierarchy and metadata',
      body: threadListSchema, response: threadViewSchema, paginated: true,
      async handle({ input, repos }) {
        const slice = await threads.list(repos, {
          page: input.page, size: input.size, ...(input.hierarchy_id && { hierarchyId: input.hierarchy_id }), ...(input.metadata && { metadata: input.metadata }),
        });
        return pageOf(slice.items, slice.total, input.page, input.size);
      },
    }),
    defineRoute({
      path: '/threads/update', tag: 'threads', summary: "Replace a thread's metadata",
      body: threadUpdateSchema, response: threadViewSchema, message: 'thread updated', errors: { '404': 'THREAD_NOT_FOUND' },
      handle: ({ input, repos }) => threads.update(repos, input.id, input.metadata),
    }),
    defineRoute({
      path: '/threads/delete', tag: 'threads', summary: 'Delete a thread and its runs (with their events)',
      body: threadIdSchema, response: deletedSchema, message: 'thread deleted',
      errors: { '404': 'THREAD_NOT_FOUND', '409': 'THREAD_BUSY (a run of it is live: cancel it first)' },
      handle: ({ input, repos }) => threads.delete(repos, input.id),
    }),
  ];
}
