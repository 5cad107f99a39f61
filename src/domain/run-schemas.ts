import { z } from 'zod';
import { gatewayFields, paginationFields } from './common-schemas.ts';
import { runStatuses, type RunRecord } from './run-records.ts';
import { budgetSchema } from './budget-schemas.ts';
import { multitaskStrategies } from './thread-schemas.ts';
import { metadataSchema } from './free-form-json.ts';
import { runSummaryOf } from './run-summary.ts';

export const runStartSchema = z
  .object({
    hierarchy_id: z.string().min(1).max(64).optional()
      .meta({ description: 'The hierarchy to run, by id (or give hierarchy_name); one of them is required unless thread_id is given (then it must be the thread\'s, if given)' }),
    hierarchy_name: z.string().trim().min(1, 'must not be empty').max(255).optional()
      .meta({ description: "The hierarchy to run, by its name (unique per tenant), as `cadre run <name>` takes it: instead of hierarchy_id" }),
    task: z.string().trim().min(1, 'must not be empty').max(100_000),
    budget: budgetSchema.optional().meta({ description: "This run's budget: replaces the hierarchy's run budget (team and worker budgets still apply)" }),
    thread_id: z.uuid('must be a UUID').optional()
      .meta({ description: "Continue this thread (threads/create): the run is given the thread's earlier tasks and answers as context" }),
    metadata: metadataSchema().optional().meta({ description: 'Labels kept with the run (shown by runs/get)' }),
    multitask_strategy: z.enum(multitaskStrategies).default('reject')
      .meta({ description: 'When the thread has a live run: reject answers 409 THREAD_BUSY; interrupt cancels it, then starts this one; enqueue starts this one once the runs before it ended (pending until then, at most 16 live runs a thread)' }),
    ...gatewayFields,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.hierarchy_id !== undefined && body.hierarchy_name !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['hierarchy_name'], message: 'give hierarchy_id or hierarchy_name, not both' });
    }
    if (body.hierarchy_id === undefined && body.hierarchy_name === undefined && body.thread_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['hierarchy_id'], message: 'required (or give hierarchy_name, or thread_id)' });
    }
  })
  .meta({ id: 'RunStart' });

/** A run id: an integer, or its decimal text (query strings); nothing else is coerced. */
export const runId = z
  .union([z.number(), z.string().regex(/^\d{1,16}$/, 'must be an integer').transform(Number)])
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
  .meta({ description: 'Run id (integer)' });

export const runIdSchema = z.object({ id: runId, ...gatewayFields }).strict();
export const runListSchema = z
  .object({
    ...paginationFields, hierarchy_id: z.string().min(1).max(64).optional(), status: z.enum(runStatuses).optional(),
    thread_id: z.uuid('must be a UUID').optional().meta({ description: "A thread's runs" }),
    created_after: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z' }).optional()
      .meta({ description: 'Runs created at or after this time (ISO 8601)' }),
    created_before: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-02-01T00:00:00Z' }).optional()
      .meta({ description: 'Runs created before this time (ISO 8601)' }),
    q: z.string().trim().min(1, 'must not be empty').max(200).optional()
      .meta({ description: "Text the run's task contains (case-insensitive), or the run's id" }),
    has_errors: z.boolean().optional()
      .meta({ description: 'true: runs that failed or completed with errors (some agent failed, was cancelled, timed out or ran out of budget); false: the others' }),
    ...gatewayFields,
  })
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

const resumeEntrySchema = z
  .object({
    at: z.string(),
    from_process: z.string().nullable().describe('The process that lost or handed off the run (null: it had none)'),
    to_process: z.string(),
    reason: z.string(),
    checkpoint_sequence: z.number().nullable().describe('Event sequence of the checkpoint it resumed from (null: none)'),
  })
  .meta({ id: 'RunResume' });

export const pendingInputSchema = z
  .object({
    request_id: z.string().describe('Answer it with runs/respond'),
    agent_id: z.string().describe('The worker that asked'),
    kind: z.enum(['approval', 'question']).describe('approval: may the tool call run? question: ask_human'),
    tool_name: z.string(),
    arguments: z.unknown().describe("The call's input as the model gave it"),
    question: z.string().nullable().describe('The question (ask_human); null for an approval'),
    requested_at: z.string(),
  })
  .meta({ id: 'PendingInput' });

export const runRespondSchema = z
  .object({
    id: runId,
    request_id: z.string().min(1).max(300),
    approve: z.boolean().optional().describe('An approval request: true runs the tool call, false denies it'),
    answer: z.string().max(100_000).optional().describe("A question: the answer, which is the tool's result"),
    message: z.string().max(10_000).optional().describe('Told to the model with a denial'),
    ...gatewayFields,
  })
  .strict()
  .meta({ id: 'RunRespond' });

export const runViewSchema = z
  .object({
    id: z.number(),
    hierarchy_id: z.string(),
    thread_id: z.string().nullable().describe('The thread the run continues (null: started on its own)'),
    task: z.string(),
    status: z.enum(runStatuses),
    result: z.string().nullable(),
    error: z.string().nullable(),
    error_code: z.string().nullable().describe("Why it failed, as a code: 'budget_exhausted' when its run budget was spent (null otherwise)"),
    budget: budgetSchema.nullable().describe("The budget runs/start gave it (null: the hierarchy's applies)"),
    metadata: z.record(z.string(), z.unknown()).nullable().describe('The labels runs/start gave it (an A2A task: its message id and metadata)'),
    statistics: z.record(z.string(), z.unknown()).nullable(),
    topology_snapshot: z.record(z.string(), z.unknown()).nullable(),
    trace_id: z.string().nullable().describe('OpenTelemetry trace id of the run (null when tracing was off)'),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    created_at: z.string(),
    resumes: z
      .object({ count: z.number(), history: z.array(resumeEntrySchema) })
      .describe('Each time another process resumed the run from its checkpoint (its process was lost or shut down), oldest first'),
    pending_inputs: z.array(pendingInputSchema).describe('While waiting_input: the requests a human must answer (runs/respond)'),
    duration_ms: z.number().nullable().describe('Wall time from started_at to completed_at (null until the run ended)'),
    agent_time_ms: z.number().nullable().describe("The agents' model-turn time summed (statistics.totals.duration_ms): more than duration_ms when agents work at once; null until the run ended"),
    input_tokens: z.number().nullable().describe('statistics.totals.input_tokens (null until the run ended)'),
    output_tokens: z.number().nullable().describe('statistics.totals.output_tokens (null until the run ended)'),
    cost_usd: z.number().nullable().describe("What the run's model calls cost by the models' prices (null: not recorded)"),
    error_count: z.number().nullable().describe("Agents whose last task did not complete: failed, cancelled, timed out or budget exhausted (statistics.agents[id].outcome); null until the run ended"),
    completed_with_errors: z.boolean().describe('Completed, although some agent did not (error_count > 0)'),
  })
  .meta({ id: 'Run' });

export const runStartedSchema = z
  .object({ id: z.number(), hierarchy_id: z.string(), thread_id: z.string().nullable(), task: z.string(), status: z.enum(runStatuses), stream_url: z.string(), created_at: z.string() })
  .meta({ id: 'RunStarted' });

export function runView(r: RunRecord) {
  return {
    id: r.id,
    hierarchy_id: r.hierarchyId,
    thread_id: r.threadId,
    task: r.task,
    status: r.status,
    result: r.result,
    error: r.error,
    error_code: r.errorCode,
    budget: r.budget,
    metadata: r.metadata,
    statistics: r.statistics,
    topology_snapshot: r.topologySnapshot,
    trace_id: r.traceId,
    started_at: r.startedAt?.toISOString() ?? null,
    completed_at: r.completedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
    resumes: { count: r.resumes.length, history: r.resumes },
    pending_inputs: r.pendingInputs,
    ...runSummaryOf(r),
  };
}

export function streamUrlOf(runId: number): string {
  return `/api/executor/v1/runs/stream?id=${runId}`;
}
