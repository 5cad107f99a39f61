import type { JSONSchema7 } from '@ai-sdk/provider';

/**
 * What a model is told about a tool: its name, what it does and the JSON schema of its input.
 * Plain data, so an agent's context can hold it.
 */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: JSONSchema7;
}

/** A tool a worker may use: its definition and how to run one call of it. */
export interface WorkerTool extends ToolDefinition {
  /**
   * Runs one call. The input is the model's parsed JSON, unchecked: each tool validates it.
   * Resolves with the text the model gets back; rejects (a ToolError for expected failures)
   * when the call fails. Must stop promptly once `signal` aborts (the run was cancelled).
   */
  execute(input: unknown, signal: AbortSignal): Promise<string>;
  /**
   * Whether running this call twice has the effect of running it once. A call in flight when its
   * run's process was lost is run again on resume only when this says so; otherwise the model is
   * told it was interrupted, so no side effect is ever repeated silently. Absent: not idempotent.
   */
  idempotent?(input: unknown): boolean;
}

/** Where a tool came from, as streamed in `tool_source`: "builtin" or "mcp:<server>". */
export type ToolSourceId = string;

/** A tool offered to a worker's model, with where it comes from: plain data, resolved at run start. */
export interface OfferedTool extends ToolDefinition {
  source: ToolSourceId;
  /** An MCP tool's name on its server (`name` is the function name offered to models). */
  remoteName?: string;
}
