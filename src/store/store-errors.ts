import { ConnectionException, DriverException, UniqueConstraintViolationException, ValidationError as OrmValidationError } from '@mikro-orm/core';
import { AppError, ConflictError, UnavailableError } from '../errors/app-error.ts';

/**
 * Database errors in the app's own terms, so the HTTP layer maps them without knowing the ORM:
 * a unique violation that slipped past a service's check is a 409, a lost connection a 503.
 */
export function storeErrorToAppError(err: unknown): AppError | undefined {
  if (err instanceof UniqueConstraintViolationException) {
    return new ConflictError('conflict: a record with the same unique key already exists');
  }
  if (err instanceof ConnectionException) return new UnavailableError('database unavailable', 'DATABASE_UNAVAILABLE');
  if (err instanceof OrmValidationError || err instanceof DriverException) {
    return new AppError(500, 'DATABASE_ERROR', 'internal database error');
  }
  return undefined;
}
