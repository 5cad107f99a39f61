import type { Context, Next } from 'koa';
import { UnauthorizedError } from '../errors/app-error.ts';

/** Resolves a presented key to its tenant; null for a key that is malformed, unknown or revoked. */
export type KeyAuthenticator = (key: string) => Promise<string | null>;

/**
 * Paths that take no tenant key: health, metrics (the operator's, guarded by its own token in
 * metrics-access.ts, never opened by a tenant's key), the API description, and static files
 * that hold no data (the viewer's files; what they show is fetched from the API with a key).
 */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/', '/health', '/metrics', '/v3/api-docs', '/swagger-ui.html', '/viewer']);
const PUBLIC_PREFIXES = ['/swagger-ui/', '/viewer/'];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** The state key under which an authenticated request carries its key's tenant. */
export const KEY_TENANT = 'keyTenant';

const BEARER = /^Bearer ([\x21-\x7e]+)$/i;

/** The token of an `Authorization: Bearer <token>` header: undefined without the header, '' when malformed. */
export function bearerHeaderToken(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  return header ? (BEARER.exec(header.trim())?.[1] ?? '') : undefined;
}

/**
 * `Authorization: Bearer <key>`, else `X-API-Key: <key>` (what LangGraph's SDK sends), else —
 * for GET only, since EventSource cannot set headers — the query parameter `access_token`
 * (RFC 6750 §2.3). Undefined when none is present.
 */
function presentedKey(ctx: Context): string | undefined {
  const header = bearerHeaderToken(ctx);
  if (header !== undefined) return header;
  const apiKey = ctx.get('x-api-key');
  if (apiKey) return apiKey.trim();
  if (ctx.method !== 'GET') return undefined;
  const query = ctx.query.access_token;
  return Array.isArray(query) ? query[query.length - 1] : query;
}

/**
 * With API keys required, every request but the public paths and CORS preflights needs a valid
 * key; its tenant is put in `ctx.state.keyTenant`, where tenant resolution takes it from. Every
 * refusal is the same 401 (with `WWW-Authenticate: Bearer`), so a caller learns nothing about
 * which keys or tenants exist.
 */
export function apiKeyAuth(authenticate: KeyAuthenticator) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method === 'OPTIONS' || isPublicPath(ctx.path)) return next();
    const key = presentedKey(ctx);
    const tenant = key ? await authenticate(key) : null;
    if (tenant === null) {
      ctx.set('WWW-Authenticate', key === undefined ? 'Bearer realm="cadre"' : 'Bearer realm="cadre", error="invalid_token"');
      throw new UnauthorizedError('a valid API key is required (Authorization: Bearer <key>)');
    }
    ctx.state[KEY_TENANT] = tenant;
    return next();
  };
}
