import type { ToolSpec } from './model-turn.ts';
import { assistantTexts, joinPartial, type AgentCounts, type AgentLoopContext } from './agent-loop.ts';
import { agentRefOf, type AgentPlan, type WorkerToolConfig } from './run-plan.ts';
import { resolveTool, toolDefinitions } from '../tools/tool-registry.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import type { HumanGatedCall } from './human-input.ts';

/**
 * A worker's input and context, and the pure functions over its context that its machine
 * (worker-machine.ts) names in its actions: which tools it offers, how a tool call's actor is
 * spawned, what a task leaves behind.
 */

/** What a worker is spawned with. */
export interface WorkerInput {
  agent: AgentPlan;
  /** Tool settings and the step bound; defaults apply when absent. */
  tools?: WorkerToolConfig;
  /** Tools from outside the built-in source (the MCP tools its `tools` name), resolved when the run started. */
  externalTools?: OfferedTool[];
}

/** One tool call of the current step and, once its actor finished, its answer (its fields: see human-input.ts, which gates it). */
export type WorkerToolCall = HumanGatedCall;

export interface WorkerCounts extends AgentCounts {
  /** Rounds of tool calls made for the current task. */
  steps: number;
  /** Tool-call actors started over the worker's life, so each gets a fresh id. */
  actors: number;
}

/** A worker's context (its fields grouped: see AgentLoopContext). */
export interface WorkerContext extends AgentLoopContext {
  tools: WorkerToolConfig;
  externalTools: OfferedTool[];
  calls: WorkerToolCall[];
  counts: WorkerCounts;
}

/** Where a worker's task ended: nothing of it is kept but its counts across tasks. */
export const taskCleared = (context: WorkerContext) =>
  ({ current: null, messages: [], calls: [], counts: { ...context.counts, steps: 0 }, turnSpan: null });

export const TOOL_ACTOR_PREFIX = 'tool:';

export function offeredTools(context: WorkerContext): ToolSpec[] {
  const names = context.agent.tools ?? [];
  if (names.length === 0 || context.counts.steps >= context.tools.maxSteps) return [];
  return [...toolDefinitions(names, context.tools.settings), ...context.externalTools]
    .map((d) => ({ toolName: d.name, description: d.description, inputSchema: d.inputSchema }));
}

export const externalTool = (context: WorkerContext, name: string) => context.externalTools.find((t) => t.name === name);

export const sourceOfTool = (context: WorkerContext, name: string) =>
  resolveTool(name, context.tools.settings)?.source ?? externalTool(context, name)?.source ?? null;

/** The spawn of one tool call's actor. */
export const toolCallSpawn = (context: WorkerContext, call: WorkerToolCall) => ({
  id: call.actorId,
  input: {
    toolCallId: call.toolCallId, toolName: call.toolName, input: call.input, settings: context.tools.settings, agent: agentRefOf(context.agent),
    ...(call.error && { error: call.error }),
    ...(externalTool(context, call.toolName) && { viaMcp: true }),
    parentSpan: context.turnSpan,
  },
});

/** A worker's partial output: the text of its turns so far in the task, and what its call in flight streamed. */
export function partialOf(context: WorkerContext, turnText: string): string | null {
  return joinPartial([...assistantTexts(context.messages), turnText]);
}
