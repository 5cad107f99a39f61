import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { tenantFilter } from '../tenant-filter.ts';

/**
 * A tenant's MCP server (Streamable HTTP), a source of worker tools. No header value is stored
 * here: `headersEnv` maps header names to NAMES of operator variables, `headersSecret` to names
 * of the tenant's secrets, both read when connecting.
 */
export const McpServerSchema = defineEntity({
  name: 'McpServer',
  tableName: 'mcp_server',
  filters: tenantFilter,
  uniques: [{ properties: ['tenantId', 'name'], name: 'mcp_server_tenant_name_unique' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    name: p.string().length(64),
    url: p.string().length(2048),
    headersEnv: p.json<Record<string, string>>(),
    headersSecret: p.json<Record<string, string>>().nullable(),
    description: p.text().nullable(),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    updatedAt: p.datetime().length(3).onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class McpServer extends McpServerSchema.class {}
McpServerSchema.setClass(McpServer);
