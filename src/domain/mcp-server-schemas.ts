import { z } from 'zod';
import { gatewayFields, paginationFields } from './common-schemas.ts';
import { MCP_SERVER_NAME } from './worker-tools.ts';
import { secretNameSchema } from './tenant-secrets.ts';

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
/** Set by the MCP transport itself; a registration may not override them. */
const RESERVED_HEADERS = new Set([
  'host', 'connection', 'content-length', 'content-type', 'accept', 'transfer-encoding', 'upgrade', 'keep-alive', 'te',
  'trailer', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id',
]);

const headerNameSchema = z.string().regex(HEADER_NAME, 'header names are HTTP tokens (letters, digits, - and a few symbols)')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'set by the MCP transport, not by a registration');

const headersEnvSchema = z
  .record(headerNameSchema, z.string().regex(ENV_NAME, 'must be an environment variable name (the value is read from the environment, never stored)'))
  .refine((map) => Object.keys(map).length <= 32, 'at most 32 headers')
  .meta({
    description: 'Header name → NAME of the operator environment variable (allowed by TENANT_ENV_ALLOWED) whose value is sent as that header when connecting.',
  });

const headersSecretSchema = z
  .record(headerNameSchema, secretNameSchema)
  .refine((map) => Object.keys(map).length <= 32, 'at most 32 headers')
  .meta({ description: "Header name → name of the tenant's secret (secrets/set) sent as that header when connecting. Values are never returned." });

const mcpServerFields = {
  name: z.string().trim().regex(MCP_SERVER_NAME, '1-32 letters, digits, _ or - (workers name it as mcp:<name>)'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048)
    .meta({ description: 'The MCP endpoint (Streamable HTTP transport), e.g. https://mcp.example.com/mcp; it must reach a public address unless the operator\'s OUTBOUND_ALLOWED_HOSTS allows it' }),
  headers_env: headersEnvSchema.optional(),
  headers_secret: headersSecretSchema.optional(),
  description: z.string().max(4000).nullable().optional(),
  is_active: z.boolean().optional(),
};

export const mcpServerCreateSchema = z.object({ ...mcpServerFields, ...gatewayFields }).strict().meta({ id: 'McpServerCreate' });
export const mcpServerUpdateSchema = z
  .object({
    id: z.string().min(1).max(64),
    ...mcpServerFields,
    name: mcpServerFields.name.optional(),
    url: mcpServerFields.url.optional(),
    ...gatewayFields,
  })
  .strict()
  .meta({ id: 'McpServerUpdate' });
export const mcpServerListSchema = z.object({ ...paginationFields, is_active: z.boolean().optional(), ...gatewayFields }).strict();

export type McpServerCreate = z.infer<typeof mcpServerCreateSchema>;
export type McpServerUpdate = z.infer<typeof mcpServerUpdateSchema>;

/** A registered MCP server as every layer sees it (no ORM entity leaves the store). */
export interface McpServerRecord {
  id: string;
  tenantId: string;
  name: string;
  url: string;
  /** Header name → environment variable NAME. */
  headersEnv: Record<string, string>;
  /** Header name → the tenant's secret NAME. */
  headersSecret: Record<string, string>;
  description: string | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const mcpServerViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    headers_env: z.record(z.string(), z.string()),
    headers_secret: z.record(z.string(), z.string()),
    description: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'McpServer' });

export function mcpServerView(s: McpServerRecord): z.infer<typeof mcpServerViewSchema> {
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    headers_env: s.headersEnv,
    headers_secret: s.headersSecret,
    description: s.description,
    is_active: s.isActive,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}
