/** How worker tools behave in this process; plain data, resolved from the environment once. */
export interface ToolSettings {
  http: HttpToolSettings;
}

export interface HttpToolSettings {
  /** Budget of one http_request call, every redirect hop included. */
  timeoutMs: number;
  /** Response bodies are cut off past this many bytes (and the model is told so). */
  maxBytes: number;
  /** Redirects followed (each hop checked like the first) before the call fails. */
  maxRedirects: number;
  /**
   * Hosts exempt from the address checks, as `host` or `host:port` (`[::1]:8080` for IPv6),
   * compared with the URL's host case-insensitively. Empty: only public addresses are reached.
   */
  allowedHosts: string[];
}

export const DEFAULT_TOOL_SETTINGS: ToolSettings = {
  http: { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 5, allowedHosts: [] },
};

/** The worker's tool loop: how many rounds of tool calls before the final answer is asked for. */
export const DEFAULT_MAX_TOOL_STEPS = 8;
