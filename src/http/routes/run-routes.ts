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
import { sendOkBytes, sendOkJson } from '../envelope.ts';
import { eventPageBytes } from '../event-page-bytes.ts';
import { compactEventPageJson, compactEventPageSchema } from '../compact-event-page.ts';
import { noteRun } from '../request-log.ts';
import type { RunService } from '../../services/run-service.ts';
import type { ThreadService } from '../../services/thread-service.ts';
import { getHierarchyByName } from '../../services/hierarchy-service.ts';
import { runExamples, streamFrames } from './examples/run-examples.ts';

const RUN_404 = 'RUN_NOT_FOUND: no such run for this tenant (another tenant\'s run answers the same)';

export function runRoutes(runs: RunService, threads: ThreadService, sse: SseOptions): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/start', tag: 'runs', summary: 'Start a run: answers at once, the run goes on in the background',
      description: 'Runs `task` on a hierarchy, named by `hierarchy_id` or `hierarchy_name` (or the thread\'s, with `thread_id`). '
        + 'The answer comes at once with the run\'s `id` and `stream_url`: follow the run live with `GET runs/stream?id=<id>` (or open the viewer at /viewer/#/runs/<id>), '
        + 'read its answer with `runs/get` once it ended. `budget` caps this run\'s tokens, cost, time or calls; `metadata` labels it.',
      examples: runExamples.start,
      body: runStartSchema, response: runStartedSchema, message: 'run started', bounded: true,
      errors: {
        '400': "A model of the hierarchy is no longer registered, or its key cannot be found (naming the agent and the field); thread_id: the thread runs on another hierarchy",
        '404': 'HIERARCHY_NOT_FOUND (no such hierarchy_id, or hierarchy_name: no hierarchy of that name, for this tenant) or THREAD_NOT_FOUND',
        '409': 'HIERARCHY_INACTIVE, or THREAD_BUSY (the thread has a live run and multitask_strategy is reject, or 16 live runs with enqueue)',
        '503': 'SHUTTING_DOWN (this process is stopping: retry, another process takes it), or SECRETS_KEY_MISSING (a model\'s key is a secret and the server has no SECRETS_KEY)',
      },
      async handle({ ctx, input, repos }) {
        const extras = { ...(input.budget && { budget: input.budget }), ...(input.metadata && { metadata: input.metadata }) };
        const hierarchyId = input.hierarchy_name === undefined ? input.hierarchy_id : (await getHierarchyByName(repos, input.hierarchy_name)).id;
        const run = input.thread_id
          ? await threads.startRun(repos, { threadId: input.thread_id, hierarchyId, task: input.task, multitaskStrategy: input.multitask_strategy, ...extras })
          : await runs.start(repos, hierarchyId!, input.task, extras);
        noteRun(ctx, run.id);
        return {
          id: run.id, hierarchy_id: run.hierarchyId, thread_id: run.threadId, task: run.task, status: run.status,
          stream_url: streamUrlOf(run.id), created_at: run.createdAt.toISOString(),
        };
      },
    }),
    defineRoute({
      path: '/runs/get', tag: 'runs', summary: 'A run: its status, answer and statistics',
      description: 'The run\'s status (pending, running, waiting_input, completed, failed, cancelled), its answer (`result`) or `error`, '
        + 'its statistics (tokens, cost, calls, per agent), its topology, and while it waits for a human the requests to answer (`pending_inputs`, see runs/respond).',
      examples: runExamples.get, errors: { '404': RUN_404 },
      body: runIdSchema, response: runViewSchema,
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runView(await runs.get(repos, input.id));
      },
    }),
    defineRoute({
      path: '/runs/list', tag: 'runs', summary: 'List runs (paginated, newest first), filtered by status, hierarchy, thread, creation time, text and errors',
      description: "The tenant's runs, newest first, each as runs/get shows it; filter by hierarchy_id, status, thread_id, created_after/created_before (ISO 8601), "
        + 'q (task text, case-insensitive, or the run id) and has_errors (failed, or completed while some agent did not).',
      examples: runExamples.list,
      body: runListSchema, response: runViewSchema, paginated: true,
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
      path: '/runs/cancel', tag: 'runs', summary: 'Cancel a running run (409 if it already ended)',
      description: 'Stops every agent of the run and aborts its model and tool calls, wherever it executes; answers once the run recorded its end (lifecycle.cancelled), with the run.',
      examples: runExamples.cancel,
      errors: { '404': RUN_404, '409': 'RUN_ALREADY_ENDED (it completed, failed or was cancelled before)', '503': 'CANCEL_PENDING: the cancel did not take effect in time (it stays asked); retry' },
      body: runIdSchema, response: runViewSchema,
      message: 'run cancelled',
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runView(await runs.cancel(repos, input.id));
      },
    }),
    defineRoute({
      path: '/runs/delete', tag: 'runs',
      summary: 'Delete a run: its record, events and (for POST /execute) its hierarchy; a live run is cancelled first',
      description: 'Removes the run for good: its record and every stored event (open streams of it close). A run still live is cancelled first, as runs/cancel does.',
      examples: runExamples.delete, errors: { '404': RUN_404, '503': 'CANCEL_PENDING: the run is live and its cancel did not take effect in time; retry' },
      body: runIdSchema, response: z.object({ id: z.number(), deleted: z.literal(true) }), message: 'run deleted',
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runs.delete(repos, input.id);
      },
    }),
    defineRoute({
      path: '/runs/inspect', tag: 'runs', summary: "The run's actor tree: live while running, the final summary after; with at_sequence, as it was at that event",
      description: 'The run as the actor system it is: the run, its event sink, the global supervisor, its team supervisors and their workers, each with its state, '
        + 'what it is busy with and its spend. Asked of the process executing the run, wherever it is (`live: true`); after the end, the final tree kept with the run. '
        + 'With at_sequence (time travel), the tree as it was once that event was written, folded from the stored events (400 past the last event).',
      examples: runExamples.inspect, errors: { '404': RUN_404 },
      body: runInspectSchema,
      response: z.object({ run_id: z.number(), live: z.boolean(), status: z.string(), tree: z.unknown(), at_sequence: z.number().optional(), last_sequence: z.number().optional() }),
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        return runs.inspect(repos, input.id, input.at_sequence);
      },
    }),
    defineRoute({
      path: '/runs/events', tag: 'runs', summary: 'Stored events of a run, by id range, paginated',
      description: 'The events runs/stream sends, read from storage, oldest first: `start_id` and `end_id` are event ids (sequences, or - and + for the ends); '
        + 'with `has_more`, ask again from `next_id`. Each event carries its `id` besides the RunEvent fields.',
      examples: runExamples.events,
      errors: { '400': 'INVALID_EVENT_ID: start_id or end_id is not an event id', '404': RUN_404, '503': 'REDIS_UNAVAILABLE: the events can be read neither from Redis nor from SQL' },
      body: runEventsSchema,
      response: z.object({
        run_id: z.number(),
        events: z.array(z.intersection(z.object({ id: z.string().meta({ description: "The event's id: its sequence, as text (what start_id and Last-Event-ID take)" }) }), runEventSchema)),
        count: z.number(), has_more: z.boolean(), next_id: z.string().nullable(),
      }),
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        const page = await runs.events(repos, input.id, input.start_id, input.end_id, input.limit);
        // `{"id": "<sequence>", ...the event}` per event, as the original answered, encoded from the stored JSON.
        sendOkBytes(ctx, eventPageBytes(page));
        return undefined;
      },
    }),
    defineRoute({
      path: '/runs/events/compact', tag: 'runs', summary: 'The page runs/events answers, each event a compact row (a history ~4x smaller to send and decode)',
      description: 'The same request and the same events as runs/events, encoded for a client that reads a long history: each event is a row '
        + '`[sequence, timestamp, source, type, data]` (and an object of any other field), where `source` and `type` index the page\'s `sources` '
        + 'and `types` (-1: no source), and `timestamp` is epoch milliseconds whose ISO text is the stored timestamp (or that text). '
        + 'The event is `{id: String(sequence), run_id, timestamp, sequence, source, event: {category, action}, data}` again. The viewer reads history this way.',
      examples: runExamples.eventsCompact,
      errors: { '400': 'INVALID_EVENT_ID: start_id or end_id is not an event id', '404': RUN_404, '503': 'REDIS_UNAVAILABLE: the events can be read neither from Redis nor from SQL' },
      body: runEventsSchema,
      response: compactEventPageSchema,
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        sendOkJson(ctx, compactEventPageJson(await runs.events(repos, input.id, input.start_id, input.end_id, input.limit)));
        return undefined;
      },
    }),
    defineRoute({
      path: '/runs/stream', tag: 'runs', alsoGet: true,
      summary: 'SSE stream of the run\'s events (POST, or GET ?id= for EventSource); resume with Last-Event-ID',
      description: 'Every event of the run as Server-Sent Events: first those stored, then live ones, until the run\'s terminal event (lifecycle.completed, failed or cancelled), '
        + 'then a `close` frame. Each frame has `id: <sequence>` and `event: <category>.<action>`; its `data` is the event as JSON (one schema per event type: RunEvent). '
        + 'A dropped connection resumes without loss or duplicate with the header `Last-Event-ID: <last id seen>` (EventSource sends it itself) or `last_event_id`. '
        + 'A comment line `: heartbeat <time>` comes every SSE_HEARTBEAT_MS (15 s).',
      examples: runExamples.stream,
      sse: {
        data: runEventSchema,
        description: 'text/event-stream: one frame per event (`id`, `event`, `data`: a RunEvent), then `event: close`',
        example: streamFrames,
      },
      errors: {
        '400': 'INVALID_EVENT_ID: Last-Event-ID or last_event_id is not an event id',
        '404': RUN_404,
        '503': 'TOO_MANY_STREAMS: SSE_MAX_CONNECTIONS streams are open on this process; retry after Retry-After seconds',
      },
      body: runStreamSchema,
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        const run = await runs.status(repos, input.id);
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
