import { defineEntity, p } from '@mikro-orm/core';
import { tenantFilter } from '../tenant-filter.ts';

/** One run of a task on a hierarchy. Ids are integers, unique and increasing. */
export const ExecutionRunSchema = defineEntity({
  name: 'ExecutionRun',
  tableName: 'execution_run',
  filters: tenantFilter,
  indexes: [
    { properties: ['tenantId', 'hierarchyId'], name: 'execution_run_tenant_hierarchy_idx' },
    // A tenant's active runs are counted at every start (TENANT_MAX_ACTIVE_RUNS).
    { properties: ['tenantId', 'status'], name: 'execution_run_tenant_status_idx' },
    { properties: ['status'], name: 'execution_run_status_idx' },
    { properties: ['owner'], name: 'execution_run_owner_idx' },
    // A thread's runs are read at every start on it (its live run, its context).
    { properties: ['tenantId', 'threadId'], name: 'execution_run_tenant_thread_idx' },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    tenantId: p.string().length(64).index(),
    hierarchyId: p.string().length(36),
    /** The thread (conversation) the run belongs to; null for a run started on its own. */
    threadId: p.string().length(36).nullable(),
    /** multitask_strategy enqueue: the run waits (pending, unowned) for its thread's earlier runs to end; then a sweep starts it. */
    threadQueued: p.boolean().default(false),
    task: p.text(),
    status: p.string().length(16),
    result: p.text().nullable(),
    error: p.text().nullable(),
    /** Why it failed, as a code clients can branch on (`budget_exhausted`); null for other ends. */
    errorCode: p.string().length(32).nullable(),
    /** The budget runs/start gave this run (overriding its hierarchy's): read whenever the run is planned, by any process. */
    budget: p.json<Record<string, unknown>>().nullable(),
    /** The client's metadata for the run (runs/start `metadata`, an A2A message's id and metadata): bounded by the schemas that take it. */
    metadata: p.json<Record<string, unknown>>().nullable(),
    statistics: p.json<Record<string, unknown>>().nullable(),
    /**
     * Of the statistics recorded at the run's end: its agents whose last task did not complete
     * (agentErrorsOf); null until it ended. A column so runs/list can filter has_errors in SQL.
     */
    agentErrors: p.integer().nullable(),
    topologySnapshot: p.json<Record<string, unknown>>().nullable(),
    /** The run's OpenTelemetry trace (32 hex digits); null when tracing was off. */
    traceId: p.string().length(32).nullable(),
    startedAt: p.datetime().length(3).nullable(),
    completedAt: p.datetime().length(3).nullable(),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    /**
     * The process (cadre_process.id) executing the run, whose heartbeat is its lease; null while
     * it waits in the run queue (with Redis) or for runs written before owners existed.
     */
    owner: p.string().length(64).nullable(),
    /** When a cancel was asked of a run owned by another process without Redis (it polls this). */
    cancelRequestedAt: p.datetime().length(3).nullable(),
    /** Without Redis: when another process asked for the live actor tree; the owner answers in liveTree. */
    inspectRequestedAt: p.datetime().length(3).nullable(),
    liveTree: p.json<Record<string, unknown>>().nullable(),
    liveTreeAt: p.datetime().length(3).nullable(),
    /**
     * Each time another process resumed the run from its checkpoint: a JSON array of
     * ResumeEntry (src/domain/run-records.ts), appended by the claim that took the run over
     * (run-ownership-store.ts); null while never resumed. Text, not JSON, so that claim can
     * compare it exactly on every backend.
     */
    resumes: p.text().nullable(),
    /**
     * Human in the loop: a JSON HumanInputState (src/domain/human-input.ts) — the requests a run
     * waiting for a human has open, and the ids already answered. Text, not JSON, so a respond's
     * claim can compare it exactly on every backend (one winner); null: never asked.
     */
    humanInputs: p.text().nullable(),
    /** Since when the run waits for a human (status waiting_input); HUMAN_INPUT_TIMEOUT_MS counts from here. */
    waitingSince: p.datetime().length(3).nullable(),
    /**
     * Without Redis: requests for agents of the run (AgentRequest JSON array, bounded) left by
     * other processes for its owner, which takes them with its heartbeat. Text, so a request is
     * appended by compare-and-set on every backend.
     */
    agentRequests: p.text().nullable(),
  },
});

export class ExecutionRun extends ExecutionRunSchema.class {}
ExecutionRunSchema.setClass(ExecutionRun);
