import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

/**
 * Which tools the test server offers: `lookup` and a failing `explode`; or `wait` (answers only
 * when cancelled) and `docs.search` (a name no model accepts as a function name, echoing its input).
 */
export type McpTestTools = 'lookup-and-explode' | 'wait';

export interface McpTestServer {
  url: string;
  /** Requests that carried the expected header value, and those refused (401) for lacking it. */
  authorised: number;
  refused: number;
  /** Tool calls the server ran, in order. */
  calls: Array<{ tool: string; args: Record<string, unknown> }>;
  /** Sessions ended by the client (DELETE). */
  closedSessions: string[];
  /** Sessions opened (initialised). */
  openedSessions: string[];
  /** Resolves once `predicate` holds (checked whenever the server's state changes). */
  until(predicate: () => boolean): Promise<void>;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * A real MCP server (the official SDK's McpServer over its Streamable HTTP transport, one
 * session per client) on an ephemeral loopback port. Every request must carry `header` with
 * `value`, else it is refused with 401 — so a run that reaches a tool proves the header arrived.
 */
export async function startMcpTestServer(options: { header: string; value: string; tools: McpTestTools }): Promise<McpTestServer> {
  const changed = new EventEmitter();
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const state: Omit<McpTestServer, 'url' | 'until' | 'close'> = { authorised: 0, refused: 0, calls: [], closedSessions: [], openedSessions: [] };
  const note = () => changed.emit('change');

  const mcpServer = (): McpServer => {
    const server = new McpServer({ name: 'cadre-test', version: '1.0.0' });
    if (options.tools === 'lookup-and-explode') {
      server.registerTool('lookup', { description: 'Looks a query up', inputSchema: { query: z.string() } }, async ({ query }) => {
        state.calls.push({ tool: 'lookup', args: { query } });
        note();
        return { content: [{ type: 'text', text: `found: ${query}` }, { type: 'text', text: 'source: test index' }] };
      });
      server.registerTool('explode', { description: 'Always fails', inputSchema: { reason: z.string() } }, async ({ reason }) => {
        state.calls.push({ tool: 'explode', args: { reason } });
        note();
        return { isError: true, content: [{ type: 'text', text: `exploded on purpose (${reason.length} chars)` }] };
      });
    } else {
      server.registerTool('wait', { description: 'Answers when cancelled', inputSchema: { query: z.string() } }, async ({ query }, extra) => {
        state.calls.push({ tool: 'wait', args: { query } });
        note();
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
        return { content: [{ type: 'text', text: 'cancelled' }] };
      });
      server.registerTool('docs.search', { description: 'Echoes its query', inputSchema: { q: z.string() } }, async ({ q }) => {
        state.calls.push({ tool: 'docs.search', args: { q } });
        note();
        return { content: [{ type: 'text', text: `echo: ${q}` }] };
      });
    }
    return server;
  };

  const http: Server = createServer((req, res) => {
    void (async () => {
      if (req.headers[options.header.toLowerCase()] !== options.value) {
        state.refused++;
        note();
        res.writeHead(401, { 'content-type': 'text/plain' }).end('missing or wrong credential');
        return;
      }
      state.authorised++;
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const sessionId = req.headers['mcp-session-id'];
      let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
      if (!transport) {
        if (req.method !== 'POST' || !isInitializeRequest(body)) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown session');
          return;
        }
        const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            transports.set(id, created);
            state.openedSessions.push(id);
            note();
          },
          onsessionclosed: (id) => {
            transports.delete(id);
            state.closedSessions.push(id);
            note();
          },
        });
        await mcpServer().connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/mcp`,
    async until(predicate: () => boolean) {
      while (!predicate()) await once(changed, 'change');
    },
    async close() {
      for (const transport of transports.values()) await transport.close();
      http.closeAllConnections();
      await new Promise<void>((resolve, reject) => http.close((err) => (err ? reject(err) : resolve())));
    },
  });
}

/** A loopback URL where nothing listens (a port that was just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/mcp`;
}
