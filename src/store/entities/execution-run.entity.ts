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
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    tenantId: p.string().length(64).index(),
    hierarchyId: p.string().length(36),
    task: p.text(),
    status: p.string().length(16),
    result: p.text().nullable(),
    error: p.text().nullable(),
    statistics: p.json<Record<string, unknown>>().nullable(),
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
  },
});

export class ExecutionRun extends ExecutionRunSchema.class {}
ExecutionRunSchema.setClass(ExecutionRun);
