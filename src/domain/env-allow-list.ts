import { ValidationError } from '../errors/app-error.ts';

/** An entry of TENANT_ENV_ALLOWED: a variable name, `*` standing for any run of name characters. */
export const ENV_ALLOW_ENTRY = /^[A-Za-z0-9_*]+$/;

/**
 * Which operator environment variables a tenant's rows may name (`api_key_env`, `headers_env`):
 * the TENANT_ENV_ALLOWED patterns. Empty (the default) allows none, since a variable name is a
 * way to make the server send one of its own values to an address the tenant chose.
 */
export function envNameAllowed(name: string, allowed: readonly string[]): boolean {
  return !OPERATOR_ONLY.has(name) && allowed.some((pattern) => globMatches(pattern, name));
}

/**
 * Cadre's own credentials and connection strings: never a tenant's to name, whatever a glob in
 * TENANT_ENV_ALLOWED matches (`*_KEY` would match SECRETS_KEY, `*` everything).
 */
const OPERATOR_ONLY: ReadonlySet<string> = new Set([
  'SECRETS_KEY', 'METRICS_TOKEN', 'DATABASE_URL', 'DB_PASSWORD', 'DB_USER', 'REDIS_URL', 'API_KEYS',
  'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'CADRE_API_KEY',
]);

function globMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  // Each middle part in order, after the prefix and before the suffix (leftmost match suffices).
  let at = first.length;
  const end = name.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = name.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The refusal every check of a variable name gives, naming the field and the setting (400). */
export function assertEnvAllowed(field: string, name: string, allowed: readonly string[]): void {
  if (!envNameAllowed(name, allowed)) {
    throw new ValidationError(`${field}: ${name} is not allowed by TENANT_ENV_ALLOWED`, undefined, 'ENV_NOT_ALLOWED');
  }
}
