import { jsonSchema, streamText, tool, type ModelMessage, type ToolSet } from 'ai';
import { fromPromise } from 'xstate';
import { sourceOf, type AgentPlan } from './run-plan.ts';
import type { EventCategory } from '../events/run-event.ts';

export interface ToolSpec {
  toolName: string;
  description: string;
}

export interface ModelTurnInput {
  agent: AgentPlan;
  messages: ModelMessage[];
  /** A supervisor's children as tools; a worker has none. */
  tools: ToolSpec[];
  parallelToolCalls: boolean;
}

export interface ToolCallRequest {
  toolCallId: string;
  toolName: string;
  task: string;
  /** Set when the model's call is unusable (unparsable input, no task): answered as a tool error, not dispatched. */
  error?: string;
}

export interface ModelTurnOutput {
  text: string;
  toolCalls: ToolCallRequest[];
  responseMessages: ModelMessage[];
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
}

/**
 * A plain JSON schema (not zod): the SDK would otherwise convert a zod schema on every model
 * call. The task is read defensively from the model's input, so no validator is needed.
 */
const delegateInput = jsonSchema<{ task: string }>({
  type: 'object',
  properties: { task: { type: 'string', description: 'The sub-task to hand over, complete and self-contained' } },
  required: ['task'],
  additionalProperties: false,
});

function toolSet(tools: ToolSpec[]): ToolSet | undefined {
  if (tools.length === 0) return undefined;
  // No `execute`: the SDK stops after the step and the supervisor actor delegates to its child.
  return Object.fromEntries(tools.map((t) => [t.toolName, tool({ description: t.description, inputSchema: delegateInput })]));
}

/**
 * One model call of an agent, streamed. Deltas go to the run's sink, found through the actor
 * system the agent lives in: once the run is stopped the sink is gone (or the signal aborted)
 * and the delta is dropped, never routed anywhere else.
 */
export const modelTurnActor = fromPromise<ModelTurnOutput, ModelTurnInput>(async ({ input, system, signal }) => {
  const source = sourceOf(input.agent);
  const emit = (category: EventCategory, action: string, data: Record<string, unknown>) => {
    if (signal.aborted) return;
    system.get('sink')?.send({ type: 'EMIT', draft: { source, category, action, data } });
  };
  const started = performance.now();
  const { model } = input.agent;
  const result = streamText({
    model: model.model,
    system: input.agent.systemPrompt,
    messages: input.messages,
    tools: toolSet(input.tools),
    abortSignal: signal,
    temperature: model.temperature,
    maxOutputTokens: model.maxOutputTokens,
    topP: model.topP,
    providerOptions: {
      simulated: {
        parallelToolCalls: input.parallelToolCalls,
        agentName: input.agent.name,
        ...(input.agent.role && { role: input.agent.role }),
      },
    },
    // Errors arrive as `error` parts below and are thrown from here; this stops the SDK's console log.
    onError: () => {},
  });
  let text = '';
  const toolCalls: ToolCallRequest[] = [];
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        text += part.text;
        emit('llm', 'stream', { content: part.text });
        break;
      case 'reasoning-delta':
        emit('llm', 'reasoning', { content: part.text });
        break;
      case 'tool-call': {
        const task = (part.input as { task?: unknown } | undefined)?.task;
        const usable = typeof task === 'string' && task.trim() !== '';
        const error = part.invalid ? `invalid tool call: ${String((part.error as Error | undefined)?.message ?? part.error)}`
          : usable ? undefined : 'invalid tool input: expected {"task": "<non-empty text>"}';
        toolCalls.push({
          toolCallId: part.toolCallId, toolName: part.toolName, task: usable ? task : JSON.stringify(part.input ?? null),
          ...(error && { error }),
        });
        break;
      }
      case 'error':
        throw part.error;
      case 'abort':
        throw signal.reason ?? new DOMException('The model call was aborted', 'AbortError');
    }
  }
  const [response, usage] = await Promise.all([result.response, result.totalUsage]);
  return {
    text,
    toolCalls,
    // The SDK answers invalid calls itself in a `tool` message; every call is answered by the
    // supervisor (invalid ones as errors), so keep only the assistant turn to avoid two results per call.
    responseMessages: response.messages.filter((m) => m.role !== 'tool'),
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    durationMs: Math.round(performance.now() - started),
  };
});
