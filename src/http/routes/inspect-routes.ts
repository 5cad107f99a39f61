import { defineRoute, type ApiRoute } from '../api-route.ts';
import { inspectionEventSchema, runInspectStreamSchema } from '../../domain/inspection-schemas.ts';
import { inspectionFrames, inspectStreamExamples } from './examples/trace-examples.ts';
import { noteRun } from '../request-log.ts';
import { writeSseFrames } from '../sse-stream-writer.ts';
import type { SseConnectionSlots } from '../sse-connections.ts';
import { InspectionFrames, type InspectionFrameBounds } from '../inspection-frames.ts';
import type { RunInspectionService } from '../../services/run-inspection-service.ts';

export interface InspectRouteOptions {
  /** The process's SSE streams (shared with runs/stream): past them a stream is refused with 503. */
  connections?: SseConnectionSlots;
  bounds?: InspectionFrameBounds;
}

const errorFrame = (err: unknown) => `event: error\ndata: ${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n\n`;

/** Developer inspection of a run's actor system, in @statelyai/inspect's wire format. */
export function inspectRoutes(inspection: RunInspectionService, options: InspectRouteOptions): ApiRoute[] {
  return [
    defineRoute({
      path: '/runs/inspect/stream', tag: 'runs', alsoGet: true,
      summary: "SSE stream of the run's actor system in @statelyai/inspect's format (POST, or GET ?id= for EventSource)",
      description: 'For developers: the run\'s XState actor system as it runs, one `data:` frame per inspection event in @statelyai/inspect\'s wire '
        + 'format (`@xstate.actor` when an actor starts, with its machine definition; `@xstate.event` for each event an actor receives; '
        + '`@xstate.snapshot` after each change), so the Stately Inspector or any tool reading that format can show it. It first sends every live '
        + 'actor with its snapshot, then follows; an ended run sends its final tree and `event: close`. Secrets are redacted and long context '
        + 'summarised; a slow reader loses the oldest frames (`event: dropped`). Served from any process: the run\'s owner relays. '
        + 'The tree at an earlier moment: runs/inspect with at_sequence.',
      examples: inspectStreamExamples,
      sse: {
        data: inspectionEventSchema,
        description: 'text/event-stream: one frame per @statelyai/inspect event, then `event: close` once the run ended',
        example: inspectionFrames,
      },
      body: runInspectStreamSchema,
      errors: { '404': 'RUN_NOT_FOUND', '503': 'TOO_MANY_STREAMS' },
      async handle({ ctx, input, repos }) {
        noteRun(ctx, input.id);
        const frames = new InspectionFrames(options.bounds);
        const stop = await inspection.open(repos, input.id, frames);
        const abort = new AbortController();
        // The client went away (or no slot was free): the run stops being watched for it, and its queue ends.
        abort.signal.addEventListener('abort', () => {
          stop();
          frames.end('the client went away');
        }, { once: true });
        const stream = frames.frames(input.id);
        try {
          await writeSseFrames(ctx, await stream.next(), stream, (text) => text, errorFrame, abort, options.connections);
        } finally {
          stop();
        }
        return undefined;
      },
    }),
  ];
}
