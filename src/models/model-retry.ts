import { setTimeout as sleep } from 'node:timers/promises';
import { APICallError } from '@ai-sdk/provider';

/** How a model call that failed before any output is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: none). Default 2. */
  maxRetries?: number;
  /** Backoff before the first retry, doubled for each further one, before jitter. Default 1000. */
  initialDelayMs?: number;
  /** Upper bound of the computed backoff (a server's retry-after may ask for more). Default 10000. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryPolicy> = { maxRetries: 2, initialDelayMs: 1000, maxDelayMs: 10_000 };

/** A server asking for a longer wait than this is not retried: the call fails now rather than hang. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Socket-level failures of a request that never produced output: worth another attempt. */
const CONNECTION_ERRORS: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** A provider's verdict (`APICallError.isRetryable`), or a connection reset anywhere in the cause chain. */
export function isRetryable(err: unknown): boolean {
  if (isAbortError(err)) return false;
  if (APICallError.isInstance(err)) return err.isRetryable;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return true;
  }
  return false;
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** What the server asked for (`retry-after-ms`, else `retry-after` in seconds or as an HTTP date), in ms. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = APICallError.isInstance(err) ? err.responseHeaders
    : APICallError.isInstance((err as { cause?: unknown } | null)?.cause) ? (err as { cause: APICallError }).cause.responseHeaders
      : undefined;
  if (!headers) return undefined;
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && !Number.isNaN(parseFloat(ms))) return parseFloat(ms);
  const after = header(headers, 'retry-after');
  if (after === undefined) return undefined;
  const seconds = parseFloat(after);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : date - now;
}

/**
 * The wait before retry number `retry` (0-based): exponential backoff with equal jitter (half
 * fixed, half random, so concurrent callers spread out), unless the server said how long —
 * never sooner than it asked. Undefined when it asked for more than a minute: not retried.
 */
export function retryDelayMs(policy: Required<RetryPolicy>, retry: number, err: unknown, random: () => number = Math.random): number | undefined {
  const asked = retryAfterMs(err);
  if (asked !== undefined && asked >= 0) return asked <= MAX_RETRY_AFTER_MS ? Math.ceil(asked) : undefined;
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  return Math.round(backoff / 2 + (backoff / 2) * random());
}

/** The error an aborted call rejects with: the signal's own AbortError, or one carrying its reason. */
export function abortErrorOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('The model call was aborted', { name: 'AbortError', cause: reason });
}

/** Waits `ms`, or rejects with the call's AbortError as soon as the signal aborts. */
export async function waitBeforeRetry(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throw abortErrorOf(signal);
    throw err;
  }
}
