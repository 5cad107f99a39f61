import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { JSONSchema7 } from '@ai-sdk/provider';
import { OutboundRefusedError, ToolError } from '../errors/app-error.ts';
import { redactSecrets } from '../errors/secret-redaction.ts';
import { guardedFetch } from '../outbound/guarded-fetch.ts';
import { AnswerBound } from './mcp-response-bound.ts';
import { STRICT_OUTBOUND, type OutboundPolicy } from '../outbound/outbound-policy.ts';
import { DEFAULT_MCP_SETTINGS, type McpSettings } from './tool-settings.ts';

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
  /** How much of an answer is read; calls in flight fail through its signal when one is too large. */
  readonly #bound: AnswerBound;

  private constructor(
    server: McpServerConfig, client: Client, transport: StreamableHTTPClientTransport, tools: RemoteTool[], settings: McpSettings,
    secrets: readonly string[], bound: AnswerBound,
  ) {
    this.server = server;
    this.#secrets = secrets;
    this.#bound = bound;
    this.#client = client;
    this.#transport = transport;
    this.tools = tools;
    this.#settings = settings;
  }

  /**
   * Connects, initialises the session and lists every tool (following pagination). `headers`
   * are the resolved header values (McpHeaderResolver); a server echoing one back in an error
   * or a result never gets it shown. Every request goes through the guarded fetch: the server's
   * address is checked against the outbound policy, and the connection pinned to the checked address.
   */
  static async open(
    server: McpServerConfig, settings: McpSettings, headers: Record<string, string>, signal: AbortSignal, outbound: OutboundPolicy = STRICT_OUTBOUND,
  ): Promise<McpConnection> {
    const secrets = Object.values(headers);
    const bound = new AnswerBound(answerBound(settings));
    // No redirects: the credential headers go to the registered URL and nowhere else.
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers, redirect: 'error' },
      fetch: bound.wrap(guardedFetch(outbound)),
    });
    const client = new Client({ name: 'cadre', version: '0.1.0' });
    const options = { signal: AbortSignal.any([signal, bound.signal]), timeout: settings.connectTimeoutMs };
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
      return new McpConnection(server, client, transport, tools, settings, secrets, bound);
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
    const tooLarge = this.#bound.signal;
    try {
      result = await this.#client.callTool(
        { name: tool, arguments: (input ?? {}) as Record<string, unknown> }, undefined,
        { signal: AbortSignal.any([signal, tooLarge]), timeout: this.#settings.callTimeoutMs },
      ) as CallToolResult;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (tooLarge.aborted) throw new ToolError(`MCP tool "${tool}" of "${this.server.name}" failed: ${describe(tooLarge.reason)}`);
      if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
        throw new ToolError(`MCP tool "${tool}" of "${this.server.name}" timed out after ${this.#settings.callTimeoutMs} ms`, 'TOOL_TIMEOUT');
      }
      throw new ToolError(redactSecrets(`MCP tool "${tool}" of "${this.server.name}" failed: ${describe(err)}`, this.#secrets));
    }
    // Redacted before it is cut, so a cut never leaves part of a secret unredacted.
    const text = bounded(redactSecrets(resultText(result), this.#secrets), this.#settings.maxBytes ?? DEFAULT_MCP_SETTINGS.maxBytes!);
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

/** A result text of at most `maxBytes` bytes of UTF-8, cut on a character boundary, saying so when cut. */
function bounded(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // A character split by the cut decodes as U+FFFD: dropped, so the text ends on a whole one.
  const kept = bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD+$/, '');
  return `${kept}\n[truncated: the result is longer than ${maxBytes} bytes; only the first ${maxBytes} are shown]`;
}

/**
 * The most an answer may take on the wire: the result text's bound with room for its JSON-RPC
 * and SSE framing and for JSON escaping (which can make text up to six times longer, \u0000).
 */
function answerBound(settings: McpSettings): number {
  return 6 * (settings.maxBytes ?? DEFAULT_MCP_SETTINGS.maxBytes!) + 64 * 1024;
}

/** Error texts shown to tenants are bounded: a server's error page is not theirs to read through Cadre. */
const MAX_ERROR_CHARS = 300;

/**
 * What went wrong, for a run's error or a model's tool error: a refusal by the address policy as
 * it is; an HTTP error as its status only (the SDK's message carries the response body, which
 * could be any page the server chose); anything else cut to a bounded length.
 */
function describe(err: unknown): string {
  if (err instanceof OutboundRefusedError) return err.message;
  if (err instanceof StreamableHTTPError && err.code !== undefined && err.code > 0) return `the server answered HTTP ${err.code}`;
  if (!(err instanceof Error)) return cut(String(err));
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cut(cause?.code ? `${err.message} (${cause.code})` : err.message);
}

function cut(text: string): string {
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS)}… (cut)`;
}
