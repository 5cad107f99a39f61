/**
 * Every machine-readable error code Cadre answers with (`error_code` of the error envelope), in
 * one closed list: AppError takes only these, so a code is always ours — never text from a
 * tenant, a provider or a library — and the errors-by-kind metric can label by it safely.
 */
export const errorCodes = [
  // Requests
  'VALIDATION_ERROR', 'MISSING_FIELD', 'MALFORMED_JSON', 'INVALID_EVENT_ID', 'BAD_REQUEST', 'REQUEST_ABORTED',
  'REQUEST_TIMEOUT', 'PAYLOAD_TOO_LARGE', 'ROUTE_NOT_FOUND', 'METHOD_NOT_ALLOWED', 'NOT_IMPLEMENTED',
  'UNAUTHORIZED', 'FORBIDDEN', 'TENANT_MISMATCH',
  // Resources
  'NOT_FOUND', 'CONFLICT', 'MODEL_NOT_FOUND', 'MODEL_INACTIVE', 'HIERARCHY_NOT_FOUND', 'HIERARCHY_INACTIVE',
  'MCP_SERVER_NOT_FOUND', 'API_KEY_NOT_FOUND', 'RUN_NOT_FOUND', 'RUN_ALREADY_ENDED', 'CANCEL_PENDING',
  'AGENT_NOT_FOUND', 'AGENT_ALREADY_STOPPED', 'RUN_NOT_STARTED', 'RUN_WAITING_INPUT', 'AGENT_CANCEL_PENDING', 'AGENT_CONTROL_UNAVAILABLE',
  'SPAN_NOT_FOUND',
  // Human in the loop (runs/respond)
  'RUN_NOT_WAITING', 'INPUT_REQUEST_NOT_FOUND', 'INPUT_ALREADY_ANSWERED',
  // Threads
  'THREAD_NOT_FOUND', 'THREAD_EXISTS', 'THREAD_BUSY', 'THREAD_LIMIT',
  // The service and what it depends on
  'SERVICE_UNAVAILABLE', 'SHUTTING_DOWN', 'TOO_MANY_STREAMS', 'RUN_QUEUE_FULL', 'TENANT_RUN_LIMIT', 'DATABASE_UNAVAILABLE', 'DATABASE_ERROR',
  'REDIS_UNAVAILABLE', 'CONFIG_ERROR', 'MIGRATION_LOCK_TIMEOUT', 'INTERNAL_ERROR',
  // Models and tools
  'MODEL_CALL_FAILED', 'MODEL_TIMEOUT', 'MODEL_KEY_MISSING', 'TOOL_ERROR', 'TOOL_TIMEOUT', 'TOOL_ADDRESS_REFUSED',
  'MCP_UNAVAILABLE', 'MCP_TOOL_NOT_FOUND', 'OUTBOUND_REFUSED',
  // Tenant secrets and the operator's environment
  'SECRET_NOT_FOUND', 'SECRETS_LIMIT_REACHED', 'SECRETS_KEY_MISSING', 'SECRET_UNREADABLE', 'ENV_NOT_ALLOWED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const known: ReadonlySet<string> = new Set(errorCodes);

export function isErrorCode(code: string): code is ErrorCode {
  return known.has(code);
}
