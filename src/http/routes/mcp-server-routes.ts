import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import type { TenantEnvPolicy } from '../../services/model-service.ts';
import { idSchema, pageOf } from '../../domain/common-schemas.ts';
import {
  mcpServerCreateSchema, mcpServerListSchema, mcpServerUpdateSchema, mcpServerView, mcpServerViewSchema,
} from '../../domain/mcp-server-schemas.ts';
import { createMcpServer, deleteMcpServer, getMcpServer, listMcpServers, updateMcpServer } from '../../services/mcp-server-service.ts';

/** The CRUD routes, made with what tenants' rows may reference (TENANT_ENV_ALLOWED, the outbound policy). */
export function mcpServerRoutes(policy: TenantEnvPolicy): ApiRoute[] {
  return [
    defineRoute({
      path: '/mcp-servers/list', tag: 'mcp-servers', summary: 'List MCP servers (paginated)', body: mcpServerListSchema,
      response: mcpServerViewSchema, paginated: true,
      async handle({ input, repos }) {
        const slice = await listMcpServers(repos, { page: input.page, size: input.size, isActive: input.is_active });
        return pageOf(slice.items.map(mcpServerView), slice.total, input.page, input.size);
      },
    }),
    defineRoute({
      path: '/mcp-servers/create', tag: 'mcp-servers', summary: 'Register an MCP server (Streamable HTTP) as a source of worker tools',
      body: mcpServerCreateSchema, response: mcpServerViewSchema, message: 'MCP server created',
      async handle({ input, repos }) {
        return mcpServerView(await createMcpServer(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/mcp-servers/get', tag: 'mcp-servers', summary: 'One MCP server', body: idSchema, response: mcpServerViewSchema,
      async handle({ input, repos }) {
        return mcpServerView(await getMcpServer(repos, input.id));
      },
    }),
    defineRoute({
      path: '/mcp-servers/update', tag: 'mcp-servers', summary: 'Change an MCP server', body: mcpServerUpdateSchema,
      response: mcpServerViewSchema, message: 'MCP server updated',
      async handle({ input, repos }) {
        return mcpServerView(await updateMcpServer(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/mcp-servers/delete', tag: 'mcp-servers', summary: 'Remove an MCP server', body: idSchema,
      response: z.object({ id: z.string() }), message: 'MCP server deleted',
      async handle({ input, repos }) {
        await deleteMcpServer(repos, input.id);
        return { id: input.id };
      },
    }),
  ];
}
