import type { RouteExample } from '../../api-route.ts';
import { CREATED_AT, HIERARCHY_ID, MCP_SERVER_ID, RUN_ID, THREAD_ID } from './example-values.ts';

/** The OpenAPI examples of mcp-servers/*, secrets/* and threads/* (see example-values.ts). */

const mcpServer = (fields: Record<string, unknown> = {}) => ({
  id: MCP_SERVER_ID, name: 'docs', url: 'https://mcp.example.com/mcp', headers_env: {}, headers_secret: { Authorization: 'DOCS_MCP_TOKEN' },
  description: 'Product documentation search', is_active: true, created_at: CREATED_AT, updated_at: CREATED_AT, ...fields,
});

export const mcpServerExamples: Record<'list' | 'create' | 'get' | 'update' | 'delete', RouteExample[]> = {
  list: [{ summary: 'The first page', request: { page: 1, size: 20 }, response: [mcpServer()] }],
  create: [{
    summary: 'A server whose token is a secret (workers name its tools mcp:docs)',
    request: { name: 'docs', url: 'https://mcp.example.com/mcp', headers_secret: { Authorization: 'DOCS_MCP_TOKEN' }, description: 'Product documentation search' },
    response: mcpServer(),
  }],
  get: [{ summary: 'An MCP server by id', request: { id: MCP_SERVER_ID }, response: mcpServer() }],
  update: [{
    summary: 'Switch it off (workers naming it are refused when a run starts)',
    request: { id: MCP_SERVER_ID, is_active: false },
    response: mcpServer({ is_active: false, updated_at: '2026-03-14T10:02:17.090Z' }),
  }],
  delete: [{ summary: 'An MCP server by id', request: { id: MCP_SERVER_ID }, response: { id: MCP_SERVER_ID } }],
};

const secret = (name: string) => ({ name, created_at: CREATED_AT, updated_at: CREATED_AT });

export const secretExamples: Record<'set' | 'list' | 'delete', RouteExample[]> = {
  set: [{
    summary: "A model's API key (the model names it as api_key_secret)",
    request: { name: 'OPENAI_API_KEY', value: 'sk-your-key-here' },
    response: { ...secret('OPENAI_API_KEY'), created: true },
  }],
  list: [{ summary: 'Names and dates, never values', request: { page: 1, size: 20 }, response: [secret('DOCS_MCP_TOKEN'), secret('OPENAI_API_KEY')] }],
  delete: [{ summary: 'A secret by name', request: { name: 'OPENAI_API_KEY' }, response: { name: 'OPENAI_API_KEY' } }],
};

const thread = (fields: Record<string, unknown> = {}) => ({
  id: THREAD_ID, hierarchy_id: HIERARCHY_ID, metadata: { customer: 'acme' }, status: 'idle', run_count: 2, last_run_id: RUN_ID,
  created_at: CREATED_AT, updated_at: CREATED_AT, ...fields,
});

export const threadExamples: Record<'create' | 'get' | 'list' | 'update' | 'delete', RouteExample[]> = {
  create: [
    {
      summary: 'A thread on the hierarchy named research',
      request: { hierarchy_id: 'research', metadata: { customer: 'acme' } },
      response: thread({ run_count: 0, last_run_id: null }),
    },
    {
      summary: 'With an id of your own, answered as it is when it exists',
      request: { hierarchy_id: HIERARCHY_ID, thread_id: THREAD_ID, if_exists: 'do_nothing' },
      response: thread(),
    },
  ],
  get: [{ summary: 'A thread by id', request: { id: THREAD_ID }, response: thread() }],
  list: [{ summary: "A customer's threads", request: { metadata: { customer: 'acme' } }, response: [thread()] }],
  update: [{
    summary: 'Replace its metadata',
    request: { id: THREAD_ID, metadata: { customer: 'acme', priority: 'high' } },
    response: thread({ metadata: { customer: 'acme', priority: 'high' }, updated_at: '2026-03-14T10:02:17.090Z' }),
  }],
  delete: [{ summary: 'A thread by id', request: { id: THREAD_ID }, response: { id: THREAD_ID, deleted: true } }],
};
