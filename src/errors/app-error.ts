import type { ErrorCode } from './error-codes.ts';

/**
 * The one error hierarchy. Every layer throws these; the HTTP error middleware maps them to the
 * envelope `{success: false, error, code}` with `status` as the HTTP status.
 */
export class AppError extends Error {
  readonly status: number;
  /** A stable machine-readable name, e.g. RUN_NOT_FOUND: one of the closed list in error-codes.ts. */
  readonly errorCode: ErrorCode;
  readonly details: unknown;
  /** Seconds the client should wait before retrying: the answer's Retry-After header (set by the error middleware). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, errorCode: ErrorCode, message: string, details?: unknown, retryAfterSeconds?: number) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.errorCode = errorCode;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, errorCode: ErrorCode = 'VALIDATION_ERROR') {
    super(400, errorCode, message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, errorCode: ErrorCode = 'NOT_FOUND') {
    super(404, errorCode, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, errorCode: ErrorCode = 'CONFLICT') {
    super(409, errorCode, message);
  }
}

/** No valid credentials: the same answer whether the key is missing, malformed, unknown or revoked. */
export class UnauthorizedError extends AppError {
  constructor(message: string, errorCode: ErrorCode = 'UNAUTHORIZED') {
    super(401, errorCode, message);
  }
}

/** Authenticated, but the request asks for something its credentials do not allow. */
export class ForbiddenError extends AppError {
  constructor(message: string, errorCode: ErrorCode = 'FORBIDDEN') {
    super(403, errorCode, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'PAYLOAD_TOO_LARGE', message);
  }
}

/** The client took longer than the body timeout to send its request body. */
export class RequestTimeoutError extends AppError {
  constructor(message: string) {
    super(408, 'REQUEST_TIMEOUT', message);
  }
}

export class UnavailableError extends AppError {
  constructor(message: string, errorCode: ErrorCode = 'SERVICE_UNAVAILABLE', retryAfterSeconds?: number) {
    super(503, errorCode, message, undefined, retryAfterSeconds);
  }
}

/** A bound on what may be asked at once is reached (queued runs, a tenant's active runs): retry later. */
export class TooManyRequestsError extends AppError {
  constructor(message: string, errorCode: ErrorCode, retryAfterSeconds: number) {
    super(429, errorCode, message, undefined, retryAfterSeconds);
  }
}

/** Bad configuration at start-up: the process should say what and exit. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super(500, 'CONFIG_ERROR', message);
  }
}

/**
 * A worker tool refused its input or could not do its job (a bad expression, a refused address,
 * a timeout). The model gets the message back as a tool error; the run goes on.
 */
export class ToolError extends AppError {
  constructor(message: string, errorCode: ErrorCode = 'TOOL_ERROR') {
    super(422, errorCode, message);
  }
}

/**
 * A model call failed (the provider refused it, the connection broke, the stream was malformed
 * or stalled). The message names the provider, the model and the cause, never a key.
 */
export class ModelCallError extends AppError {
  /** Attempts retried before the call gave up (for the agent's statistics). */
  readonly retries: number;
  constructor(message: string, options: { retries?: number; errorCode?: ErrorCode } = {}) {
    super(options.errorCode === 'MODEL_TIMEOUT' ? 504 : 502, options.errorCode ?? 'MODEL_CALL_FAILED', message);
    this.retries = options.retries ?? 0;
  }
}

/**
 * A connection a tenant steered (a model's base_url, an MCP server, http_request) was refused by
 * the outbound address policy before any connection was made. The message names the host and why.
 */
export class OutboundRefusedError extends AppError {
  constructor(message: string) {
    super(400, 'OUTBOUND_REFUSED', message);
  }
}
