import cors from '@koa/cors';
import type Koa from 'koa';

/**
 * CORS as the original sent it (`Access-Control-Allow-Origin: *` on every route, SSE included),
 * so a browser page on another origin can call the API and follow a run with EventSource.
 * `allowedOrigins` narrows it: ['*'] (the default) allows any origin; otherwise only the listed
 * origins get the headers (and `Vary: Origin`), others none, so the browser refuses them.
 */
export function corsMiddleware(allowedOrigins: readonly string[]): Koa.Middleware {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return cors({
    origin: (ctx) => {
      if (any) return '*';
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    // PATCH, DELETE, X-Api-Key and the Location and pagination headers: the LangGraph API's (/lg), for the SDK in a browser.
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'X-Tenant-Id', 'Last-Event-ID', 'X-Request-Id', 'Authorization', 'X-Api-Key'],
    exposeHeaders: ['X-Request-Id', 'Content-Location', 'Location', 'X-Pagination-Next', 'X-Pagination-Total'],
    maxAge: 600,
  });
}
