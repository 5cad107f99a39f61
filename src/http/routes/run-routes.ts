import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import { streamToSse, type SseOptions } from '../sse-bridge.ts';
import { pageOf } from '../../domain/common-schemas.ts';
import {
  runEventsSchema, runIdSchema, runListSchema, runStartSchema, runStartedSchema, runStreamSchema, runView, runViewSchema, streamUrlOf,
} from '../../domain/run-schemas.ts';
import { parseEventId } from '../../events/run-event.ts';
import { runEventSchema } from '../event-schemas.ts';
import { runInspectSchema } from '../../domain/inspection-schemas.ts';
import { ValidationError } from '../../errors/app-error.ts';
import { sendOkJson } from '../envelope.ts';
import { noteRun } from '../request-log.ts';
import type { RunService } from '../../services/run-service.ts';
import type { ThreadService } from '../../services/thread-service.ts';

export function runRoutes(runs: RunService, threads: ThreadService, sse: SseOptions): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/start', tag: 'runs', summary: 'Start a run: answers at once, the run goes on in the background',
      body: runStartSchema, response: runStartedSchema, message: 'run started', bounded: true,
      errors: { '404': 'HIERARCHY_NOT_FOUND or THREAD_NOT_FOUND', '409': 'HIERARCHY_INACTIVE, or THREAD_BUSY (the thread has a live run and multitask_strategy is reject)' },
      async handle({ ctx, input, repos }) {
        const extras = { ...(input.budget && { budget: input.budget }), ...(input.metadata && { metadata: input.metadata }) };
        const run = input.thread_id
          ? await threads.startRun(repos, { threadId: input.thread_id, hierarchyId: input.hierarchy_id, task: input.task, multitaskStrategy: input.multitask_strategy, ...extras })
          : await runs.start(repos, input.hierarchy_id!, input.task, extras);
        noteRun(ctx, run.id);
        return {
          id: run.id, hierarchy_id: run.hierarchyId, thread_id: run.threadId, task: run.task, status: run.status,
          stream_url: streamUrlOf(run.id), created_at: run.createdAt.toISOString(),
        };
      },
    }),
    defineRoute({
      path: '/runs/get', tag: 'runs', summary: 'Run detail', body: runIdSchema, response: runViewSchema,
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runView(await runs.get(repos, input.id));
      },
    }),
    defineRoute({
      path: '/runs/list', tag: 'runs', summary: 'List runs (paginated, newest first), filtered by status, hierarchy, thread, creation time, text and errors', body: runListSchema, response: runViewSchema, paginated: true,
      async handle({ input, repos }) {
        const slice = await runs.list(repos, {
          page: input.page, size: input.size, hierarchyId: input.hierarchy_id, status: input.status, threadId: input.thread_id,
          ...(input.created_after !== undefined && { createdAfter: new Date(input.created_after) }),
          ...(input.created_before !== undefined && { createdBefore: new Date(input.created_before) }),
          ...(input.q !== undefined && { text: input.q }),
          ...(input.has_errors !== undefined && { hasErrors: input.has_errors }),
        });
        return pageOf(slice.items.map(runView), slice.total, input.page, input.size);
      },
    }),
    defineRoute({
      path: '/runs/cancel', tag: 'runs', summary: 'Cancel a running run (409 if it already ended)', body: runIdSchema, response: runViewSchema,
      message: 'run cancelled',
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runView(await runs.cancel(repos, input.id));
      },
    }),
    defineRoute({
      path: '/runs/delete', tag: 'runs',
      summary: 'Delete a run: its record, events and (for POST /execute) its hierarchy; a live run is cancelled first',
      body: runIdSchema, response: z.object({ id: z.number(), deleted: z.literal(true) }), message: 'run deleted',
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runs.delete(repos, input.id);
      },
    }),
    defineRoute({
      path: '/runs/inspect', tag: 'runs', summary: "The run's actor tree: live while running, the final summary after; with at_sequence, as it was at that event",
      body: runInspectSchema,
      response: z.object({ run_id: z.number(), live: z.boolean(), status: z.string(), tree: z.unknown(), at_sequence: z.number().optional(), last_sequence: z.number().optional() }),
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runs.inspect(repos, input.id, input.at_sequence);
      },
    }),
    defineRoute({
      path: '/runs/events', tag: 'runs', summary: 'Stored events of a run, by id range, paginated', body: runEventsSchema,
      response: z.object({ run_id: z.number(), events: z.array(runEventSchema), count: z.number(), has_more: z.boolean(), next_id: z.string().nullable() }),
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        const page = await runs.events(repos, input.id, input.start_id, input.end_id, input.limit);
        // `{"id": "<sequence>", ...the event}` per event, as the original answered, built from the stored JSON.
        const events = page.events.map((e) => `{"id":"${e.id}",${e.json.slice(1)}`).join(',');
        sendOkJson(ctx, `{"run_id":${page.run_id},"events":[${events}],"count":${page.count},"has_more":${page.has_more},"next_id":${JSON.stringify(page.next_id)}}`);
        return undefined;
      },
    }),
    defineRoute({
      path: '/runs/stream', tag: 'runs', alsoGet: true,
      summary: 'SSE stream of the run\'s events (POST, or GET ?id= for EventSource); resume with Last-Event-ID',
      body: runStreamSchema,
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        const run = await runs.get(repos, input.id);
        const raw = ctx.get('last-event-id') || input.last_event_id;
        const after = raw ? parseEventId(raw) : 0;
        if (after === undefined) throw new ValidationError(`Last-Event-ID: malformed event id "${raw}"`, undefined, 'INVALID_EVENT_ID');
        const ended = await runs.hasEnded(repos, run);
        streamToSse(ctx, runs.eventLog, run.id, after, ended, sse, runs.whenDone(repos, run.id), () => runs.exists(repos, run.id));
        return undefined;
      },
    }),
  ];
}
