import { fromPromise, type ActorSystem } from 'xstate';
import { errorText } from './agent-messages.ts';
import { resolveTool } from '../tools/tool-registry.ts';
import type { ToolSettings } from '../tools/tool-settings.ts';
import { MCP_TOOLS_SYSTEM_ID, type McpCallEvent } from './mcp-tools-actor.ts';
import { noRunTelemetry, type RunTelemetry, type SpanRef } from '../telemetry/run-telemetry.ts';

export interface ToolCallInput {
  toolCallId: string;
  toolName: string;
  input: unknown;
  /** The model's call was unusable (input not JSON): answered as this error without running anything. */
  error?: string;
  settings: ToolSettings;
  /** An MCP tool: run by the run's MCP connections (found by their address), not by the built-in source. */
  viaMcp?: boolean;
  /** The run's metrics and spans, and the worker's turn span this call nests under. */
  telemetry?: RunTelemetry;
  parentSpan?: SpanRef | null;
}

export interface ToolCallOutput {
  toolCallId: string;
  ok: boolean;
  output: string;
}

/**
 * One call of a worker's tool, as a child actor of the worker: it shows in the run's actor tree
 * while it runs, and stopping the worker (the run was cancelled) aborts the signal the tool
 * runs with. Whatever goes wrong with the call itself (unknown tool, bad input, the tool
 * throwing or timing out) is its answer, `ok: false` with the message — the model reads it as
 * a tool error and the run goes on. Only the abort propagates, and then nobody is listening.
 */
export const toolCallActor = fromPromise<ToolCallOutput, ToolCallInput>(async ({ input, signal, system }) => {
  const span = (input.telemetry ?? noRunTelemetry).toolCall(input.parentSpan ?? null, { name: input.toolName, viaMcp: input.viaMcp === true }, input.toolCallId);
  try {
    const output = await callTool(input, signal, system);
    if (output.ok) span.ok();
    else span.fail(output.output);
    return output;
  } catch (err) {
    // An abort (the run was stopped) is the only expected way here.
    if (signal.aborted) span.cancelled();
    else span.fail(errorText(err));
    throw err;
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
async function callTool(input: ToolCallInput, signal: AbortSignal, system: ActorSystem<any>): Promise<ToolCallOutput> {
  const answer = (ok: boolean, output: string): ToolCallOutput => ({ toolCallId: input.toolCallId, ok, output });
  if (input.error) return answer(false, input.error);
  if (input.viaMcp) {
    const connections = system.get(MCP_TOOLS_SYSTEM_ID);
    if (!connections) return answer(false, `tool "${input.toolName}" is unavailable: this run has no MCP connections`);
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    const event: McpCallEvent = { type: 'MCP.CALL', toolName: input.toolName, input: input.input, signal, settle: { resolve, reject } };
    connections.send(event);
    try {
      return answer(true, await promise);
    } catch (err) {
      if (signal.aborted) throw err;
      return answer(false, errorText(err));
    }
  }
  const resolved = resolveTool(input.toolName, input.settings);
  if (!resolved) return answer(false, `unknown tool "${input.toolName}"`);
  try {
    return answer(true, await resolved.tool.execute(input.input, signal));
  } catch (err) {
    if (signal.aborted) throw err;
    return answer(false, errorText(err));
  }
}
