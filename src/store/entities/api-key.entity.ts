import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * An API key: only the SHA-256 of the key is stored. Not tenant filtered: the key is what
 * decides a request's tenant, so it is looked up (by its unique hash) before any tenant is known.
 */
export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  uniques: [{ properties: ['keyHash'], name: 'api_key_key_hash_unique' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    name: p.string().length(255).nullable(),
    keyHash: p.string().length(64),
    prefix: p.string().length(32),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    revokedAt: p.datetime().length(3).nullable(),
  },
});

export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);
