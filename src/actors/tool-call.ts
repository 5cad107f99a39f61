import { fromPromise, type ActorSystem } from 'xstate';
import { errorText } from './agent-messages.ts';
import { resolveTool } from '../tools/tool-registry.ts';
import type { AgentRef, WorkerToolData } from './run-plan.ts';
import { chargeToolCall } from './budget-check.ts';
import { MCP_TOOLS_SYSTEM_ID, type McpCallEvent } from './mcp-tools-actor.ts';
import { resourcesOf } from './run-resources.ts';
import type { SpanRef } from '../telemetry/run-telemetry.ts';

export interface ToolCallInput {
  toolCallId: string;
  toolName: string;
  input: unknown;
  /** The model's call was unusable (input not JSON): answered as this error without running anything. */
  error?: string;
  settings: WorkerToolData;
  /** The worker making the call: its budgets are charged (absent in checkpoints made before budgets existed). */
  agent?: AgentRef;
  /** An MCP tool: run by the run's MCP connections (found by their address), not by the built-in source. */
  viaMcp?: boolean;
  /** The worker's turn span this call nests under. */
  parentSpan?: SpanRef | null;
  /**
   * Set on a call that was in flight when the run's process was lost (see resume-preparation.ts):
   * it runs again only if its tool is idempotent, else the model is told it was interrupted.
   */
  interrupted?: boolean;
}

export interface ToolCallOutput {
  toolCallId: string;
  ok: boolean;
  output: string;
  /** How long the call took (its tool_result says so: a turn's results go out together, when the last is done). */
  durationMs?: number;
}

/** What the model reads for a call that may have had its effect already and is not run twice. */
export const INTERRUPTED_NOT_RETRIED = 'interrupted, not retried: the process running this tool call was lost before it answered, '
  + 'and the tool is not idempotent, so it may or may not have taken effect';

/**
 * One call of a worker's tool, as a child actor of the worker: it shows in the run's actor tree
 * while it runs, and stopping the worker (the run was cancelled) aborts the signal the tool
 * runs with. Whatever goes wrong with the call itself (unknown tool, bad input, the tool
 * throwing or timing out) is its answer, `ok: false` with the message — the model reads it as
 * a tool error and the run goes on. Only the abort propagates, and then nobody is listening.
 */
export const toolCallActor = fromPromise<ToolCallOutput, ToolCallInput>(async ({ input, signal, system }) => {
  const { telemetry } = resourcesOf(system);
  // A spent budget on the worker's way up: the call is not made (BudgetExhaustedError ends the worker's task).
  if (input.agent && !input.error) await chargeToolCall(system, input.agent);
  const span = telemetry.toolCall(input.parentSpan ?? null, { name: input.toolName, viaMcp: input.viaMcp === true }, input.toolCallId);
  const startedAt = performance.now();
  try {
    const output = await callTool(input, signal, system);
    if (output.ok) span.ok();
    else span.fail(output.output);
    return { ...output, durationMs: Math.round(performance.now() - startedAt) };
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
    // An MCP tool's effects are the server's business: never repeated after a loss.
    if (input.interrupted) return answer(false, INTERRUPTED_NOT_RETRIED);
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
  const resolved = resolveTool(input.toolName, { ...input.settings, ...(resourcesOf(system).outbound && { outbound: resourcesOf(system).outbound }) });
  if (!resolved) return answer(false, `unknown tool "${input.toolName}"`);
  if (input.interrupted && !resolved.tool.idempotent?.(input.input)) return answer(false, INTERRUPTED_NOT_RETRIED);
  try {
    return answer(true, await resolved.tool.execute(input.input, signal));
  } catch (err) {
    if (signal.aborted) throw err;
    return answer(false, errorText(err));
  }
}
