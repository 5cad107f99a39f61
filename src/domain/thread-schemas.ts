import { z } from 'zod';
import { gatewayFields, paginationFields } from './common-schemas.ts';
import { metadataSchema as sharedMetadataSchema } from './free-form-json.ts';

/** A thread's status is its latest run's, seen as a conversation: is a run of it live, parked, or did the last one fail? */
export const threadStatuses = ['idle', 'busy', 'interrupted', 'error'] as const;
export type ThreadStatus = (typeof threadStatuses)[number];

/** What runs/start does when the thread already has a live run. */
/** Runs a thread may hold live at once with enqueue (the live one and those waiting behind it). */
export const MAX_ENQUEUED_PER_THREAD = 16;
export const multitaskStrategies = ['reject', 'interrupt', 'enqueue'] as const;
export type MultitaskStrategy = (typeof multitaskStrategies)[number];

/** THREADS_MAX_PER_TENANT's default. */
export const DEFAULT_MAX_THREADS_PER_TENANT = 100_000;

export interface ThreadRecord {
  id: string;
  tenantId: string;
  hierarchyId: string;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const threadId = z.uuid('must be a UUID').meta({ description: 'Thread id (a UUID)' });

const metadataSchema = sharedMetadataSchema();

export const threadCreateSchema = z
  .object({
    hierarchy_id: z.string().min(1).max(64).meta({ description: 'The hierarchy (id or name) every run of the thread runs on' }),
    metadata: metadataSchema.optional(),
    thread_id: threadId.optional().meta({ description: 'Choose the id (a UUID); else the server makes one' }),
    if_exists: z.enum(['raise', 'do_nothing']).default('raise')
      .meta({ description: 'With thread_id: raise answers 409 THREAD_EXISTS when it exists; do_nothing answers the existing thread' }),
    ...gatewayFields,
  })
  .strict()
  .meta({ id: 'ThreadCreate', examples: [{ hierarchy_id: 'research-team', metadata: { customer: 'acme' } }] });

export const threadIdSchema = z.object({ id: threadId, ...gatewayFields }).strict();

export const threadUpdateSchema = z
  .object({ id: threadId, metadata: metadataSchema, ...gatewayFields })
  .strict()
  .meta({ id: 'ThreadUpdate' });

export const threadListSchema = z
  .object({
    ...paginationFields,
    hierarchy_id: z.string().min(1).max(64).optional(),
    metadata: metadataSchema.optional().meta({ description: 'Threads whose metadata has each of these keys with exactly this value' }),
    ...gatewayFields,
  })
  .strict();

export const threadViewSchema = z
  .object({
    id: z.string(),
    hierarchy_id: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    status: z.enum(threadStatuses).describe('idle: no live run (none yet, or the last completed or was cancelled); busy: a run is pending or running; interrupted: waiting for a human; error: the last run failed'),
    run_count: z.number(),
    last_run_id: z.number().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Thread' });
export type ThreadView = z.infer<typeof threadViewSchema>;
