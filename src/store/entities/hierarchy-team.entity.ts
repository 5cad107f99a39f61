import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { tenantFilter } from '../tenant-filter.ts';

/** A hierarchy (global supervisor, teams, workers), kept whole as JSON `config`. */
export const HierarchyTeamSchema = defineEntity({
  name: 'HierarchyTeam',
  tableName: 'hierarchy_team',
  filters: tenantFilter,
  uniques: [{ properties: ['tenantId', 'name'], name: 'hierarchy_team_tenant_name_unique' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    name: p.string().length(255),
    description: p.text().nullable(),
    config: p.json<Record<string, unknown>>(),
    isActive: p.boolean().default(true),
    version: p.integer().default(1),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    updatedAt: p.datetime().length(3).onCreate(() => new Date()).onUpdate(() => new Date()),
    /**
     * 'api': made by hierarchies/create, listed and usable by name; 'execute': made inline by
     * POST /execute for its one run, hidden from the tenant's hierarchies and deleted with that run.
     */
    origin: p.string().length(16).default('api'),
  },
});

export class HierarchyTeam extends HierarchyTeamSchema.class {}
HierarchyTeamSchema.setClass(HierarchyTeam);
