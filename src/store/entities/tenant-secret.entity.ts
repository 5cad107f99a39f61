import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { tenantFilter } from '../tenant-filter.ts';

/**
 * A tenant's secret (an API key, a header value), encrypted: AES-256-GCM ciphertext, IV and
 * tag, base64 (see secret-cipher.ts). The value in clear is never stored.
 */
export const TenantSecretSchema = defineEntity({
  name: 'TenantSecret',
  tableName: 'tenant_secret',
  filters: tenantFilter,
  uniques: [{ properties: ['tenantId', 'name'], name: 'tenant_secret_tenant_name_unique' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    name: p.string().length(128),
    ciphertext: p.text(),
    iv: p.string().length(32),
    authTag: p.string().length(32),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    updatedAt: p.datetime().length(3).onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class TenantSecret extends TenantSecretSchema.class {}
TenantSecretSchema.setClass(TenantSecret);
