import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { JSONSchema7 } from '@ai-sdk/provider';
import { ToolError } from '../errors/app-error.ts';
import type { McpSettings } from './tool-settings.ts';
import { redactSecrets } from '../errors/secret-redaction.ts';

/**
 * A registered MCP server as a run needs it: plain data. `headersEnv` holds variable NAMES and
 * `headersSecret` the tenant's secret NAMES, never values.
 */
export interface McpServerConfig {
  name: string;
  url: string;
  headersEnv: Record<string, string>;
  headersSecret: Record<string, string>;
}

/** The header values to send to a server, resolved when its connection opens (see services/mcp-credentials.ts). */
export type McpHeaderResolver = (server: McpServerConfig) => Promise<Record<string, string>>;

/** A tool as the server lists it. */
export interface RemoteTool {
  name: string;
  description: string;
  inputSchema: JSONSchema7;
}

/** The text a model reads from a tool result: text parts joined, other parts described. */
function resultText(result: CallToolResult): string {
  const parts = result.content.map((part) => {
    if (part.type === 'text') return part.text;
    if (part.type === 'resource_link') return `[resource: ${part.uri}]`;
    if (part.type === 'resource') return 'text' in part.resource ? part.resource.text : `[resource: ${part.resource.uri}]`;
    return `[${part.type}: ${part.mimeType}]`;
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/**
 * One client connection to one MCP server over Streamable HTTP (the official SDK): opened with
 * the tool list read, then any number of `tools/call`s, then closed. Failures are ToolErrors
 * naming the server, so a model (or a run's error) says which server failed and how.
 */
export class McpConnection {
  readonly server: McpServerConfig;
  readonly tools: readonly RemoteTool[];
  readonly #client: Client;
  readonly #transport: StreamableHTTPClientTransport;
  readonly #settings: McpSettings;
  /** The header values sent: redacted from every error and result text this connection passes on. */
  readonly #secrets: readonly string[];

  private constructor(server: McpServerConfig, client: Client, transport: StreamableHTTPClientTransport, tools: RemoteTool[], settings: McpSettings, secrets: readonly string[]) {
    this.server = server;
    this.#secrets = secrets;
    this.#client = client;
    this.#transport = transport;
    this.tools = tools;
    this.#settings = settings;
  }

  /**
   * Connects, initialises the session and lists every tool (following pagination). `headers`
   * are the resolved header values (McpHeaderResolver); a server echoing one back in an error
   * or a result never gets it shown.
   */
  static async open(server: McpServerConfig, settings: McpSettings, headers: Record<string, string>, signal: AbortSignal): Promise<McpConnection> {
    const secrets = Object.values(headers);
    // No redirects: the credential headers go to the registered URL and nowhere else.
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers, redirect: 'error' },
    });
    const client = new Client({ name: 'cadre', version: '0.1.0' });
    const options = { signal, timeout: settings.connectTimeoutMs };
    try {
      await client.connect(transport, options);
      const tools: RemoteTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? undefined : { cursor }, options);
        for (const tool of page.tools) {
          tools.push({ name: tool.name, description: tool.description ?? tool.title ?? tool.name, inputSchema: tool.inputSchema as JSONSchema7 });
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return new McpConnection(server, client, transport, tools, settings, secrets);
    } catch (err) {
      // Whatever closing a half-open client says, the failure to connect is what to report.
      await client.close().catch(() => undefined);
      if (signal.aborted) throw signal.reason;
      const why = err instanceof McpError && err.code === ErrorCode.RequestTimeout ? `no answer within ${settings.connectTimeoutMs} ms` : describe(err);
      throw new ToolError(redactSecrets(`MCP server "${server.name}" (${server.url}) is unreachable: ${why}`, secrets), 'MCP_UNAVAILABLE');
    }
  }

  /**
   * One `tools/call`. The result's text is the answer; `isError`, a timeout or a failed request
   * is a ToolError; the run's abort propagates as the abort it is (the SDK tells the server it
   * was cancelled).
   */
  async call(tool: string, input: unknown, signal: AbortSignal): Promise<string> {
    if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
      throw new ToolError('invalid input: expected a JSON object of arguments');
    }
    let result: CallToolResult;
    try {
      result = await this.#client.callTool(
        { name: tool, arguments: (input ?? {}) as Record<string, unknown> }, undefined,
        { signal, timeout: this.#settings.callTimeoutMs },
      ) as CallToolResult;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
        throw new ToolError(`MCP tool "${tool}" of "${this.server.name}" timed out after ${this.#settings.callTimeoutMs} ms`, 'TOOL_TIMEOUT');
      }
      throw new ToolError(redactSecrets(`MCP tool "${tool}" of "${this.server.name}" failed: ${describe(err)}`, this.#secrets));
    }
    const text = redactSecrets(resultText(result), this.#secrets);
    if (result.isError) throw new ToolError(text || `MCP tool "${tool}" of "${this.server.name}" reported an error`);
    return text;
  }

  /** Ends the session (DELETE, so the server frees it at once), then the connection. */
  async close(): Promise<void> {
    try {
      await this.#transport.terminateSession();
    } finally {
      await this.#client.close();
    }
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}
