import { ToolError, ValidationError } from '../errors/app-error.ts';
import { assertEnvAllowed } from '../domain/env-allow-list.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { McpHeaderResolver, McpServerConfig } from '../tools/mcp-connection.ts';
import { envValue } from '../models/model-credentials.ts';

/** Every variable a server's headers_env names must be one TENANT_ENV_ALLOWED allows (400 otherwise). */
export function checkMcpEnvAllowed(server: Pick<McpServerConfig, 'name' | 'headersEnv'>, envAllowed: readonly string[]): void {
  for (const [header, variable] of Object.entries(server.headersEnv)) {
    assertEnvAllowed(`MCP server "${server.name}": headers_env.${header}`, variable, envAllowed);
  }
}

/**
 * How a run's MCP connections get their header values: at the moment each connection opens,
 * from the operator's environment (variables TENANT_ENV_ALLOWED allows, checked again now) and
 * from the tenant's secrets (read now, never kept in the run's plan or any actor's context).
 * Anything missing fails the connection naming the header and the variable or secret, never a value.
 */
export function mcpHeaderResolver(repos: TenantRepositories, policy: { env: NodeJS.ProcessEnv; envAllowed: readonly string[] }): McpHeaderResolver {
  return async (server) => {
    const failed = (why: string) => new ToolError(`MCP server "${server.name}": ${why}`, 'MCP_UNAVAILABLE');
    const headers: Record<string, string> = {};
    for (const [header, variable] of Object.entries(server.headersEnv)) {
      try {
        assertEnvAllowed(`headers_env.${header}`, variable, policy.envAllowed);
      } catch (err) {
        throw failed((err as ValidationError).message);
      }
      const value = envValue(policy.env, variable);
      if (value === undefined) throw failed(`environment variable ${variable} (for header ${header}) is not set`);
      headers[header] = value;
    }
    const named = Object.entries(server.headersSecret);
    if (named.length === 0) return headers;
    const values = await repos.secrets.reveal(named.map(([, name]) => name));
    for (const [header, name] of named) {
      const value = values.get(name);
      if (value === undefined) throw failed(`the secret "${name}" (headers_secret.${header}) does not exist`);
      headers[header] = value;
    }
    return headers;
  };
}
