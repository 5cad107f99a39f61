import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../logging/logger.ts';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when well-formed, else a new one),
 * echoes it, and logs one line per request at debug level with status and duration, the
 * tenant and, for a run's calls, the run id (routes note them in `ctx.state`, see noteRun). SSE
 * streams are logged when they start: they last as long as the run.
 */
export function requestLog(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const given = ctx.get('x-request-id');
    const id = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.debug('request', {
        request_id: id, method: ctx.method, path: ctx.path, status: ctx.respond === false ? 200 : ctx.status,
        ...(ctx.state.tenantId !== undefined && { tenant: ctx.state.tenantId }),
        ...(ctx.state.runId !== undefined && { run_id: ctx.state.runId }),
        ms: Math.round(performance.now() - started), ...(ctx.respond === false && { streaming: true }),
      });
    }
  };
}

/** The run a request is about, for its log line. */
export function noteRun(ctx: Context, runId: number): void {
  ctx.state.runId = runId;
}
