import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { A2AError, RequestMalformedError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { AppError, ConflictError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors/app-error.ts';
import type { Logger } from '../../logging/logger.ts';

/**
 * Cadre's errors as A2A's: not found → TaskNotFound, bad input → InvalidParams, a conflict (a
 * busy context, a task that takes no message now) → UnsupportedOperation. Anything else is an
 * internal error whose detail is logged, never sent: it may name the database or a path.
 */
export function a2aErrorOf(err: unknown, logger: Logger): Error {
  if (err instanceof A2AError) return err;
  if (err instanceof NotFoundError) return new TaskNotFoundError(err.message);
  if (err instanceof ValidationError || err instanceof PayloadTooLargeError) return new RequestMalformedError(err.message);
  if (err instanceof ConflictError) return new UnsupportedOperationError(err.message);
  if (err instanceof AppError && err.status < 500) return new UnsupportedOperationError(err.message);
  logger.error('A2A request failed', { error: String((err as Error)?.stack ?? err) });
  return new Error(err instanceof AppError ? err.message : 'internal error');
}

type AnyMethod = (...args: unknown[]) => unknown;

function isAsyncIterable(value: unknown): value is AsyncGenerator<unknown, void, undefined> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}

async function* guardedStream<T>(stream: AsyncGenerator<T, void, undefined>, logger: Logger): AsyncGenerator<T, void, undefined> {
  try {
    yield* stream;
  } catch (err) {
    throw a2aErrorOf(err, logger);
  }
}

/** The handler with every method's errors turned into A2A errors (a2aErrorOf), streams included. */
export function guardedHandler(inner: A2ARequestHandler, logger: Logger): A2ARequestHandler {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as AnyMethod).apply(target, args);
        } catch (err) {
          throw a2aErrorOf(err, logger);
        }
        if (isAsyncIterable(result)) return guardedStream(result, logger);
        if (result instanceof Promise) return result.catch((err: unknown) => { throw a2aErrorOf(err, logger); });
        return result;
      };
    },
  });
}
