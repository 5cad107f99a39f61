import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import { errorBody } from './envelope.ts';

/** Turns errors of a lower layer (e.g. the database) into AppErrors; undefined when it does not know one. */
export type ErrorTranslator = (err: unknown) => AppError | undefined;

/**
 * Maps every error to the envelope; the only place an HTTP error body is written. `countError`
 * is told the error code of every error answered (the errors-by-kind metric).
 */
export function errorMiddleware(logger: Logger, translate: ErrorTranslator = () => undefined, countError?: (errorCode: string) => void) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const { status, message, errorCode, details, retryAfterSeconds } = classify(translate(err) ?? err);
      countError?.(errorCode);
      if (status >= 500) {
        logger.error('request failed', {
          request_id: ctx.state.requestId, tenant: ctx.state.tenantId, run_id: ctx.state.runId, method: ctx.method, path: ctx.path, error: String((err as Error)?.stack ?? err) });
      }
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = status;
      if (retryAfterSeconds !== undefined) ctx.set('Retry-After', String(retryAfterSeconds));
      ctx.body = { ...errorBody(status, message, errorCode), ...(details ? { details } : {}) };
    }
  };
}

function classify(err: unknown): { status: number; message: string; errorCode: string; details?: unknown; retryAfterSeconds?: number } {
  if (err instanceof AppError) {
    return { status: err.status, message: err.message, errorCode: err.errorCode, details: err.details, retryAfterSeconds: err.retryAfterSeconds };
  }
  // Errors thrown by koa itself (ctx.throw, http-errors) carry an expose-able status.
  const httpErr = err as { status?: number; expose?: boolean; message?: string };
  if (typeof httpErr?.status === 'number' && httpErr.status >= 400 && httpErr.status < 500) {
    return { status: httpErr.status, message: httpErr.expose && httpErr.message ? httpErr.message : 'bad request', errorCode: 'BAD_REQUEST' };
  }
  return { status: 500, message: 'internal error', errorCode: 'INTERNAL_ERROR' };
}
