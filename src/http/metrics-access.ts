import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { ForbiddenError, UnauthorizedError } from '../errors/app-error.ts';
import { bearerHeaderToken } from './api-key-auth.ts';

/** METRICS_TOKEN and METRICS_PUBLIC as configured (both absent: the default for the API-key mode). */
export interface MetricsAccessSettings {
  token?: string;
  public?: boolean;
}

/**
 * Who may read /metrics. It is the operator's view across tenants, so a tenant's API key never
 * opens it: either it is public, or it takes the operator's token, or (API keys required and
 * neither configured) it is closed — never public by accident on a server that asks for keys.
 */
export type MetricsAccess = { kind: 'public' } | { kind: 'token'; token: string } | { kind: 'closed' };

export function metricsAccessOf(settings: MetricsAccessSettings, apiKeys: 'off' | 'required'): MetricsAccess {
  if (settings.public) return { kind: 'public' };
  if (settings.token) return { kind: 'token', token: settings.token };
  return apiKeys === 'required' ? { kind: 'closed' } : { kind: 'public' };
}

/** Hashes before comparing, so the compare is constant-time whatever the presented length. */
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The guard in front of GET /metrics. */
export function metricsGuard(access: MetricsAccess) {
  const expected = access.kind === 'token' ? digest(access.token) : null;
  return async (ctx: Context, next: Next) => {
    if (access.kind === 'closed') {
      throw new ForbiddenError('/metrics is closed while API keys are required: the operator sets METRICS_TOKEN (or METRICS_PUBLIC=true)');
    }
    if (expected) {
      const presented = bearerHeaderToken(ctx);
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        ctx.set('WWW-Authenticate', presented === undefined ? 'Bearer realm="cadre-metrics"' : 'Bearer realm="cadre-metrics", error="invalid_token"');
        throw new UnauthorizedError('/metrics needs the operator token (Authorization: Bearer <METRICS_TOKEN>)');
      }
    }
    return next();
  };
}
