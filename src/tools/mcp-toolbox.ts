import { ToolError } from '../errors/app-error.ts';
import { McpConnection, type McpHeaderResolver, type McpServerConfig } from './mcp-connection.ts';
import { STRICT_OUTBOUND, type OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { McpSettings } from './tool-settings.ts';
import type { OfferedTool } from './worker-tool.ts';

/** Function names models accept (OpenAI's rule, the strictest): letters, digits, _ and -, at most 64. */
const MAX_FUNCTION_NAME = 64;

/** `mcp__<server>__<tool>`, the tool part reduced to what a function name may hold. */
function functionName(server: string, tool: string): string {
  const plain = tool.replace(/[^A-Za-z0-9_-]/g, '_');
  return `mcp__${server}__${plain}`.slice(0, MAX_FUNCTION_NAME);
}

interface Entry {
  connection: McpConnection;
  remoteName: string;
  offered: OfferedTool;
}

/**
 * The MCP connections of one run: one client per server, opened at run start, closed when the
 * run ends. It offers each listed tool to models under a function name (`mcp__<server>__<tool>`,
 * sanitised, made unique) and maps a model's call back to its server and tool.
 */
export class McpToolbox {
  readonly #settings: McpSettings;
  readonly #headers: McpHeaderResolver;
  readonly #connections = new Map<string, McpConnection>();
  readonly #byFunctionName = new Map<string, Entry>();
  #closed = false;

  readonly #outbound: OutboundPolicy;

  constructor(settings: McpSettings, headers: McpHeaderResolver, outbound: OutboundPolicy = STRICT_OUTBOUND) {
    this.#settings = settings;
    this.#headers = headers;
    this.#outbound = outbound;
  }

  /** Connects to every server at once; fails with the first server's failure (the others are closed then). */
  async open(servers: readonly McpServerConfig[], signal: AbortSignal): Promise<void> {
    const opened = await Promise.allSettled(servers.map(async (server) => {
      const connection = await McpConnection.open(server, this.#settings, await this.#headers(server), signal, this.#outbound);
      // The run ended while connecting: nobody will close this one later.
      if (this.#closed) {
        await connection.close();
        throw new ToolError(`MCP server "${server.name}": the run ended while connecting`);
      }
      this.#connections.set(server.name, connection);
      return connection;
    }));
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const result of opened) {
      const connection = (result as PromiseFulfilledResult<McpConnection>).value;
      for (const tool of connection.tools) this.#register(connection, tool.name);
    }
  }

  #register(connection: McpConnection, remoteName: string): void {
    const remote = connection.tools.find((t) => t.name === remoteName)!;
    const base = functionName(connection.server.name, remoteName);
    let name = base;
    for (let n = 2; this.#byFunctionName.has(name); n++) name = `${base.slice(0, MAX_FUNCTION_NAME - String(n).length - 1)}_${n}`;
    const offered: OfferedTool = {
      name, description: remote.description, inputSchema: remote.inputSchema, source: `mcp:${connection.server.name}`, remoteName,
    };
    this.#byFunctionName.set(name, { connection, remoteName, offered });
  }

  /** The tools `mcp:<server>` (tool null) or `mcp:<server>/<tool>` offers; a tool the server does not list is an error. */
  offered(server: string, tool: string | null): OfferedTool[] {
    const entries = [...this.#byFunctionName.values()].filter((e) => e.connection.server.name === server);
    if (!this.#connections.has(server)) throw new ToolError(`MCP server "${server}" is not connected in this run`);
    if (tool === null) return entries.map((e) => e.offered);
    const entry = entries.find((e) => e.remoteName === tool);
    if (!entry) {
      const listed = entries.map((e) => e.remoteName).join(', ') || 'none';
      throw new ToolError(`MCP server "${server}" has no tool "${tool}" (it lists: ${listed})`, 'MCP_TOOL_NOT_FOUND');
    }
    return [entry.offered];
  }

  /** Runs the tool behind a function name this toolbox offered. */
  async call(name: string, input: unknown, signal: AbortSignal): Promise<string> {
    const entry = this.#byFunctionName.get(name);
    if (!entry) throw new ToolError(`unknown tool "${name}"`);
    if (this.#closed) throw new ToolError(`MCP tool "${entry.remoteName}" of "${entry.connection.server.name}": the connection is closed`);
    return entry.connection.call(entry.remoteName, input, signal);
  }

  /** Closes every connection (also those still opening, as they finish); rejects with the first failure after trying all. */
  async close(): Promise<void> {
    this.#closed = true;
    const results = await Promise.allSettled([...this.#connections.values()].map((c) => c.close()));
    this.#connections.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
