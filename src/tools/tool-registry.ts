import { calculatorTool } from './calculator-tool.ts';
import { httpRequestTool } from './http-request-tool.ts';
import { ASK_HUMAN, askHumanTool } from './ask-human-tool.ts';
import { STRICT_OUTBOUND } from '../outbound/outbound-policy.ts';
import type { ToolSettings } from './tool-settings.ts';
import type { ToolDefinition, ToolSourceId, WorkerTool } from './worker-tool.ts';

/**
 * A provider of worker tools. The built-in tools are one source; MCP servers (`mcp:<server>`)
 * will be others, so the registry asks each source in turn instead of knowing tools itself.
 */
export interface ToolSource {
  readonly id: ToolSourceId;
  /** The names a worker's `tools` may list for this source. */
  readonly names: readonly string[];
  /** The tool behind a name this source offers, made with the process's settings. */
  tool(name: string, settings: ToolSettings): WorkerTool | undefined;
}

export const builtinToolSource: ToolSource = {
  id: 'builtin',
  names: ['calculator', 'http_request', ASK_HUMAN],
  tool(name, settings) {
    if (name === 'calculator') return calculatorTool;
    if (name === ASK_HUMAN) return askHumanTool;
    if (name === 'http_request') return httpRequestTool(settings.http, settings.outbound ?? STRICT_OUTBOUND);
    return undefined;
  },
};

const sources: readonly ToolSource[] = [builtinToolSource];

/** Every tool name a hierarchy may give a worker. */
export const registeredToolNames: readonly string[] = sources.flatMap((s) => s.names);

export interface ResolvedTool {
  tool: WorkerTool;
  source: ToolSourceId;
}

/** The tool a worker names and where it comes from; undefined for a name no source offers. */
export function resolveTool(name: string, settings: ToolSettings): ResolvedTool | undefined {
  for (const source of sources) {
    if (!source.names.includes(name)) continue;
    const tool = source.tool(name, settings);
    if (tool) return { tool, source: source.id };
  }
  return undefined;
}

/** What the model is told about each named tool (unknown names are left out: hierarchies are checked on save). */
export function toolDefinitions(names: readonly string[], settings: ToolSettings): ToolDefinition[] {
  return names.flatMap((name) => {
    const resolved = resolveTool(name, settings);
    if (!resolved) return [];
    const { tool } = resolved;
    return [{ name: tool.name, description: tool.description, inputSchema: tool.inputSchema }];
  });
}
