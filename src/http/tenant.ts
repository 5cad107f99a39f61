import type { Context } from 'koa';
import { ForbiddenError, ValidationError } from '../errors/app-error.ts';
import { isTenantId } from '../domain/tenant-id.ts';
import { KEY_TENANT } from './api-key-auth.ts';

export const DEFAULT_TENANT = 'default';

/**
 * With an API key, the key's tenant, always: a different `X-Tenant-Id` or `tenantId` is refused
 * (403) rather than ignored, so a misconfigured client or gateway learns at once that it is not
 * reading the tenant it thinks. Without keys: header `X-Tenant-Id`, else the gateway-injected
 * body field `tenantId`, else `default`.
 */
export function resolveTenant(ctx: Context, body: Record<string, unknown>): string {
  const header = ctx.get('x-tenant-id');
  const field = body.tenantId;
  const keyTenant = ctx.state[KEY_TENANT] as string | undefined;
  if (keyTenant !== undefined) {
    for (const [name, claimed] of [['X-Tenant-Id', header], ['tenantId', field]] as const) {
      if (claimed !== undefined && claimed !== null && claimed !== '' && claimed !== keyTenant) {
        throw new ForbiddenError(`${name}: the API key is bound to another tenant`, 'TENANT_MISMATCH');
      }
    }
    return keyTenant;
  }
  if (header) {
    if (!isTenantId(header)) throw new ValidationError('X-Tenant-Id: 1-64 letters, digits, _ . - only');
    return header;
  }
  if (field === undefined || field === null || field === '') return DEFAULT_TENANT;
  if (typeof field !== 'string' || !isTenantId(field)) throw new ValidationError('tenantId: 1-64 letters, digits, _ . - only');
  return field;
}
