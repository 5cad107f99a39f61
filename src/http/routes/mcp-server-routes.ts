import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import type { TenantEnvPolicy } from '../../services/model-service.ts';
import { idSchema, pageOf } from '../../domain/common-schemas.ts';
import {
  mcpServerCreateSchema, mcpServerListSchema, mcpServerUpdateSchema, mcpServerView, mcpServerViewSchema,
} from '../../domain/mcp-server-schemas.ts';
import { createMcpServer, deleteMcpServer, getMcpServer, listMcpServers, updateMcpServer } from '../../services/mcp-server-service.ts';
import { mcpServerExamples } from './examples/resource-examples.ts';

const MCP_404 = 'MCP_SERVER_NOT_FOUND: no such MCP server for this tenant';
const MCP_400 = 'OUTBOUND_REFUSED (url reaches an address the outbound policy refuses), ENV_NOT_ALLOWED (a headers_env variable is not in TENANT_ENV_ALLOWED), SECRET_NOT_FOUND (a headers_secret secret does not exist)';

/** The CRUD routes, made with what tenants' rows may reference (TENANT_ENV_ALLOWED, the outbound policy). */
export function mcpServerRoutes(policy: TenantEnvPolicy): ApiRoute[] {
  return [
    defineRoute({
      path: '/mcp-servers/list', tag: 'mcp-servers', summary: 'List MCP servers (paginated)', body: mcpServerListSchema,
      description: "The tenant's MCP servers, newest first; header values are never shown, only where they come from.",
      examples: mcpServerExamples.list,
      response: mcpServerViewSchema, paginated: true,
      async handle({ input, repos }) {
        const slice = await listMcpServers(repos, { page: input.page, size: input.size, isActive: input.is_active });
        return pageOf(slice.items.map(mcpServerView), slice.total, input.page, input.size);
      },
    }),
    defineRoute({
      path: '/mcp-servers/create', tag: 'mcp-servers', summary: 'Register an MCP server (Streamable HTTP) as a source of worker tools',
      description: 'Workers then name its tools in their `tools`: mcp:<name> (all of them) or mcp:<name>/<tool>. Headers sent when connecting come from secrets (headers_secret) '
        + 'or operator variables (headers_env), never stored in the row. The server is only reached when a run uses it.',
      examples: mcpServerExamples.create, errors: { '400': MCP_400, '409': 'CONFLICT: an MCP server of that name exists' },
      body: mcpServerCreateSchema, response: mcpServerViewSchema, message: 'MCP server created',
      async handle({ input, repos }) {
        return mcpServerView(await createMcpServer(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/mcp-servers/get', tag: 'mcp-servers', summary: 'An MCP server by its id', body: idSchema, response: mcpServerViewSchema,
      description: 'An MCP server by its id.', examples: mcpServerExamples.get, errors: { '404': MCP_404 },
      async handle({ input, repos }) {
        return mcpServerView(await getMcpServer(repos, input.id));
      },
    }),
    defineRoute({
      path: '/mcp-servers/update', tag: 'mcp-servers', summary: 'Change an MCP server', body: mcpServerUpdateSchema,
      description: 'The fields given replace the stored ones; the others stay.',
      examples: mcpServerExamples.update, errors: { '400': MCP_400, '404': MCP_404, '409': 'CONFLICT: another MCP server has that name' },
      response: mcpServerViewSchema, message: 'MCP server updated',
      async handle({ input, repos }) {
        return mcpServerView(await updateMcpServer(repos, input, policy));
      },
    }),
    defineRoute({
      path: '/mcp-servers/delete', tag: 'mcp-servers', summary: 'Remove an MCP server', body: idSchema,
      description: 'Hierarchies whose workers name it are refused when a run starts, naming the worker.',
      examples: mcpServerExamples.delete, errors: { '404': MCP_404 },
      response: z.object({ id: z.string() }), message: 'MCP server deleted',
      async handle({ input, repos }) {
        await deleteMcpServer(repos, input.id);
        return { id: input.id };
      },
    }),
  ];
}
