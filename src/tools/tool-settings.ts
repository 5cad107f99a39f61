import type { OutboundPolicy } from '../outbound/outbound-policy.ts';

/** How worker tools behave in this process; plain data, resolved from the environment once. */
export interface ToolSettings {
  http: HttpToolSettings;
  /** MCP connections and calls; DEFAULT_MCP_SETTINGS when absent. */
  mcp?: McpSettings;
  /** The outbound address policy http_request and MCP connections obey; STRICT_OUTBOUND when absent. */
  outbound?: OutboundPolicy;
}

export interface HttpToolSettings {
  /** Budget of one http_request call, every redirect hop included. */
  timeoutMs: number;
  /** Response bodies are cut off past this many bytes (and the model is told so). */
  maxBytes: number;
  /** Redirects followed (each hop checked like the first) before the call fails. */
  maxRedirects: number;
}

export const DEFAULT_TOOL_SETTINGS: ToolSettings = {
  http: { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 5 },
};

/** The worker's tool loop: how many rounds of tool calls before the final answer is asked for. */
export const DEFAULT_MAX_TOOL_STEPS = 8;

/** How runs talk to MCP servers. */
export interface McpSettings {
  /** Connecting, initialising the session and listing tools, per request. */
  connectTimeoutMs: number;
  /** One `tools/call`. */
  callTimeoutMs: number;
  /** A tool result's text is cut past this many bytes (and the model told so), as http_request's body; 1 MiB when absent. */
  maxBytes?: number;
}

export const DEFAULT_MCP_SETTINGS: McpSettings = { connectTimeoutMs: 10_000, callTimeoutMs: 30_000, maxBytes: DEFAULT_TOOL_SETTINGS.http.maxBytes };
