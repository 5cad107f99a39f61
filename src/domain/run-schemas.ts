import { z } from 'zod';
import { gatewayFields, paginationFields } from './common-schemas.ts';
import { runStatuses, type RunRecord } from './run-records.ts';

export const runStartSchema = z
  .object({
    hierarchy_id: z.string().min(1).max(64),
    task: z.string().trim().min(1, 'must not be empty').max(100_000),
    ...gatewayFields,
  })
  .strict()
  .meta({ id: 'RunStart' });

/** A run id: an integer, or its decimal text (query strings); nothing else is coerced. */
const runId = z
  .union([z.number(), z.string().regex(/^\d{1,16}$/, 'must be an integer').transform(Number)])
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
  .meta({ description: 'Run id (integer)' });

export const runIdSchema = z.object({ id: runId, ...gatewayFields }).strict();
export const runListSchema = z
  .object({ ...paginationFields, hierarchy_id: z.string().min(1).max(64).optional(), status: z.enum(runStatuses).optional(), ...gatewayFields })
  .strict();
export const runEventsSchema = z
  .object({
    id: runId,
    start_id: z.string().max(40).default('-').meta({ description: "First event id to include, '-' for the first" }),
    end_id: z.string().max(40).default('+').meta({ description: "Last event id to include, '+' for the last" }),
    limit: z.number().int().min(1).max(1000).default(100),
    ...gatewayFields,
  })
  .strict();
export const runStreamSchema = z
  .object({
    id: runId,
    last_event_id: z.string().max(40).optional().meta({ description: 'Resume after this event id (the Last-Event-ID header wins)' }),
    ...gatewayFields,
  })
  .strict();

export const runViewSchema = z
  .object({
    id: z.number(),
    hierarchy_id: z.string(),
    task: z.string(),
    status: z.enum(runStatuses),
    result: z.string().nullable(),
    error: z.string().nullable(),
    statistics: z.record(z.string(), z.unknown()).nullable(),
    topology_snapshot: z.record(z.string(), z.unknown()).nullable(),
    trace_id: z.string().nullable().describe('OpenTelemetry trace id of the run (null when tracing was off)'),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Run' });

export const runStartedSchema = z
  .object({ id: z.number(), hierarchy_id: z.string(), task: z.string(), status: z.enum(runStatuses), stream_url: z.string(), created_at: z.string() })
  .meta({ id: 'RunStarted' });

export function runView(r: RunRecord) {
  return {
    id: r.id,
    hierarchy_id: r.hierarchyId,
    task: r.task,
    status: r.status,
    result: r.result,
    error: r.error,
    statistics: r.statistics,
    topology_snapshot: r.topologySnapshot,
    trace_id: r.traceId,
    started_at: r.startedAt?.toISOString() ?? null,
    completed_at: r.completedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
  };
}

export function streamUrlOf(runId: number): string {
  return `/api/executor/v1/runs/stream?id=${runId}`;
}
