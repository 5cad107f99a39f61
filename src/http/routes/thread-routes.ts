import { defineRoute, type ApiRoute } from '../api-route.ts';
import { pageOf } from '../../domain/common-schemas.ts';
import { threadCreateSchema, threadIdSchema, threadListSchema, threadUpdateSchema, threadViewSchema } from '../../domain/thread-schemas.ts';
import { z } from 'zod';
import type { ThreadService } from '../../services/thread-service.ts';
import { threadExamples } from './examples/resource-examples.ts';

const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

/** Threads: conversations of runs on one hierarchy (runs/start with thread_id continues one). */
export function threadRoutes(threads: ThreadService): ApiRoute[] {
  return [
    defineRoute({
      path: '/threads/create', tag: 'threads',
      summary: 'Create a thread: a conversation of runs on one hierarchy, each run given the earlier tasks and answers',
      description: 'Start its runs with runs/start and thread_id: each run is told the earlier tasks and answers of the thread (bounded by THREAD_CONTEXT_*). '
        + 'hierarchy_id takes the hierarchy\'s id or name. A thread has one live run at a time (runs/start multitask_strategy decides what a second start does).',
      examples: threadExamples.create,
      body: threadCreateSchema, response: threadViewSchema, message: 'thread created',
      errors: { '404': 'HIERARCHY_NOT_FOUND', '409': 'THREAD_EXISTS (thread_id taken, if_exists raise) or THREAD_LIMIT (THREADS_MAX_PER_TENANT reached)' },
      handle: ({ input, repos }) => threads.create(repos, {
        hierarchyId: input.hierarchy_id, ifExists: input.if_exists,
        ...(input.metadata && { metadata: input.metadata }), ...(input.thread_id && { threadId: input.thread_id }),
      }),
    }),
    defineRoute({
      path: '/threads/get', tag: 'threads', summary: 'A thread, with its status (from its latest run) and run count',
      description: 'idle, busy (a run is pending or running), interrupted (waiting for a human) or error (the last run failed); runs/list with thread_id lists its runs.',
      examples: threadExamples.get,
      body: threadIdSchema, response: threadViewSchema, errors: { '404': 'THREAD_NOT_FOUND' },
      handle: ({ input, repos }) => threads.get(repos, input.id),
    }),
    defineRoute({
      path: '/threads/list', tag: 'threads', summary: 'List threads (paginated, newest first), by hierarchy and metadata',
      description: 'hierarchy_id takes an id or a name; metadata matches threads having each given key with exactly that value.',
      examples: threadExamples.list, errors: { '404': 'HIERARCHY_NOT_FOUND (hierarchy_id names no hierarchy of this tenant)' },
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
      description: 'The metadata given replaces the stored metadata whole.', examples: threadExamples.update,
      body: threadUpdateSchema, response: threadViewSchema, message: 'thread updated', errors: { '404': 'THREAD_NOT_FOUND' },
      handle: ({ input, repos }) => threads.update(repos, input.id, input.metadata),
    }),
    defineRoute({
      path: '/threads/delete', tag: 'threads', summary: 'Delete a thread and its runs (with their events)',
      description: 'Refused while a run of it is live (cancel it first).', examples: threadExamples.delete,
      body: threadIdSchema, response: deletedSchema, message: 'thread deleted',
      errors: { '404': 'THREAD_NOT_FOUND', '409': 'THREAD_BUSY (a run of it is live: cancel it first)' },
      handle: ({ input, repos }) => threads.delete(repos, input.id),
    }),
  ];
}
