import type { Context } from 'koa';
import { AppError, ConflictError, NotFoundError, PayloadTooLargeError, RequestTimeoutError, ValidationError } from '../../errors/app-error.ts';
import type { Logger } from '../../logging/logger.ts';

/** An error as LangGraph's API answers it: `{detail}` with its status. */
export class LgError extends Error {
  readonly status: number;

  constructor(status: number, detail: string) {
    super(detail);
    this.status = status;
  }
}

export const notFound = (what: string) => new LgError(404, `${what} not found`);
export const unprocessable = (detail: string) => new LgError(422, detail);

/**
 * Cadre's errors as LangGraph's: not found 404, a conflict (a busy thread, an ended run) 409,
 * bad input 422 (as LangGraph's validation answers), too large 413, a slow body 408; the
 * status of any other Cadre error as it is (logged when it is the server's). Anything else is an
 * internal error whose detail is logged, never sent: it may name the database or a path.
 */
export function lgErrorOf(err: unknown, logger: Logger): LgError {
  if (err instanceof LgError) return err;
  if (err instanceof NotFoundError) return new LgError(404, err.message);
  if (err instanceof ConflictError) return new LgError(409, err.message);
  if (err instanceof ValidationError) return new LgError(422, err.message);
  if (err instanceof PayloadTooLargeError) return new LgError(413, err.message);
  if (err instanceof RequestTimeoutError) return new LgError(408, err.message);
  if (err instanceof AppError && err.status < 500) return new LgError(err.status, err.message);
  logger.error('LangGraph request failed', { error: String((err as Error)?.stack ?? err) });
  // Cadre's own server errors (shutting down, a cancel that did not take effect) say what to do; others may name internals.
  return err instanceof AppError ? new LgError(err.status, err.message) : new LgError(500, 'internal error');
}

/** Answers `err` as LangGraph does. */
export function answerError(ctx: Context, err: unknown, logger: Logger): void {
  const lg = lgErrorOf(err, logger);
  if (err instanceof AppError && err.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(err.retryAfterSeconds));
  ctx.status = lg.status;
  ctx.body = { detail: lg.message };
}
