import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { tenantFilter } from '../tenant-filter.ts';

/**
 * A webhook a client asked to be told of a run's progress at (A2A push notifications): one row
 * per (run, config id), deleted with its run. The token and credentials are the client's for
 * its own webhook: sent with each notification, never logged.
 */
export const PushConfigSchema = defineEntity({
  name: 'PushConfig',
  tableName: 'push_config',
  filters: tenantFilter,
  uniques: [{ properties: ['runId', 'configId'], name: 'push_config_run_config_unique' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    runId: p.bigint('number').index(),
    configId: p.string().length(64),
    url: p.text(),
    token: p.text().nullable(),
    authScheme: p.string().length(64).nullable(),
    authCredentials: p.text().nullable(),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
  },
});

export class PushConfig extends PushConfigSchema.class {}
PushConfigSchema.setClass(PushConfig);
