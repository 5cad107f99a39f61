import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { tenantFilter } from '../tenant-filter.ts';

/**
 * A conversation of runs on one hierarchy: each run started on it is given the earlier runs'
 * tasks and answers as context. Its status is not stored: it is its latest run's.
 */
export const ThreadSchema = defineEntity({
  name: 'Thread',
  tableName: 'thread',
  filters: tenantFilter,
  indexes: [{ properties: ['tenantId', 'hierarchyId'], name: 'thread_tenant_hierarchy_idx' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    hierarchyId: p.string().length(36),
    metadata: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    updatedAt: p.datetime().length(3).onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class Thread extends ThreadSchema.class {}
ThreadSchema.setClass(Thread);
