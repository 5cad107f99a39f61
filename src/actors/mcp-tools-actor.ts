import { fromCallback } from 'xstate';
import { errorText } from './agent-messages.ts';
import { parseToolReference } from '../domain/worker-tools.ts';
import { McpToolbox } from '../tools/mcp-toolbox.ts';
import type { McpServerConfig } from '../tools/mcp-connection.ts';
import type { McpSettings } from '../tools/tool-settings.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import { resourcesOf } from './run-resources.ts';

/** The address of a run's MCP connections in its actor system: tool calls find them by it. */
export const MCP_TOOLS_SYSTEM_ID = 'mcp-tools';

/** A worker's tool names, with the path they came from (for errors that name it). */
export interface WorkerToolNames {
  agentId: string;
  path: string;
  tools: readonly string[];
}

export interface McpToolsInput {
  /** Shown by runs/inspect as the node's kind. */
  kind: 'mcp_tools';
  servers: McpServerConfig[];
  workers: WorkerToolNames[];
  settings: McpSettings;
}

/** A worker's tool call for an MCP tool, answered through `settle`. */
export interface McpCallEvent {
  type: 'MCP.CALL';
  toolName: string;
  input: unknown;
  signal: AbortSignal;
  settle: { resolve(text: string): void; reject(err: unknown): void };
}

/** Sent to the run: the MCP tools each worker (by agent id) is offered, or why they could not be had. */
export type McpToolsReport =
  | { type: 'MCP.READY'; byAgent: Record<string, OfferedTool[]> }
  | { type: 'MCP.FAILED'; error: string };

/**
 * A run's MCP connections as an actor of the run: spawned by the run actor at start, addressed
 * as `mcp-tools` by the tool calls of its workers, stopped with the run (cancel included),
 * which closes every connection. The live clients exist only in this actor's closure — never
 * in any machine's context — and tool calls reach them only by this address, so a call can
 * only ever use the connections of its own run.
 */
export const mcpToolsActor = fromCallback<McpCallEvent, McpToolsInput, McpToolsReport>(({ input, sendBack, receive, system }) => {
  // Header values are resolved as each connection opens (by the run's resources), not put into
  // the plan: the plan holds names only, and a rotated credential is used by the next run. A run
  // restored from a checkpoint opens its connections again the same way.
  const resources = resourcesOf(system);
  const toolbox = new McpToolbox(input.settings, resources.mcpHeaders, resources.outbound);
  const opening = new AbortController();
  toolbox.open(input.servers, opening.signal)
    .then(() => sendBack({ type: 'MCP.READY', byAgent: offeredByAgent(toolbox, input.workers) }))
    .catch((err: unknown) => {
      if (!opening.signal.aborted) sendBack({ type: 'MCP.FAILED', error: errorText(err) });
    });
  receive((event) => {
    toolbox.call(event.toolName, event.input, event.signal).then(event.settle.resolve, event.settle.reject);
  });
  return () => {
    opening.abort();
    toolbox.close().catch((err: unknown) => resources.warn(`closing an MCP connection failed: ${errorText(err)}`));
  };
});

/** Each worker's `mcp:` names resolved against the listed tools; a named tool the server does not list fails the run's start. */
function offeredByAgent(toolbox: McpToolbox, workers: readonly WorkerToolNames[]): Record<string, OfferedTool[]> {
  const byAgent: Record<string, OfferedTool[]> = {};
  for (const worker of workers) {
    const offered = new Map<string, OfferedTool>();
    worker.tools.forEach((name, i) => {
      const ref = parseToolReference(name);
      if (ref.kind !== 'mcp') return;
      try {
        for (const tool of toolbox.offered(ref.server, ref.tool)) offered.set(tool.name, tool);
      } catch (err) {
        throw new Error(`${worker.path}.tools[${i}]: ${errorText(err)}`, { cause: err });
      }
    });
    if (offered.size > 0) byAgent[worker.agentId] = [...offered.values()];
  }
  return byAgent;
}
