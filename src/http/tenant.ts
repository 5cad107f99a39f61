import type { Context } from 'koa';
import { ValidationError } from '../errors/app-error.ts';

export const DEFAULT_TENANT = 'default';
const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Header `X-Tenant-Id`, else the gateway-injected body field `tenantId`, else `default`. */
export function resolveTenant(ctx: Context, body: Record<string, unknown>): string {
  const header = ctx.get('x-tenant-id');
  if (header) {
    if (!TENANT_PATTERN.test(header)) throw new ValidationError('X-Tenant-Id: 1-64 letters, digits, _ . - only');
    return header;
  }
  const field = body.tenantId;
  if (field === undefined || field === null || field === '') return DEFAULT_TENANT;
  if (typeof field !== 'string' || !TENANT_PATTERN.test(field)) throw new ValidationError('tenantId: 1-64 letters, digits, _ . - only');
  return field;
}
