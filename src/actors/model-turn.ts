import { fromPromise } from 'xstate';
import { sourceOf, type AgentPlan } from './run-plan.ts';
import { sendToSink } from './agent-messages.ts';
import type { EventDraft } from '../events/run-event.ts';
import type { JSONSchema7, LanguageModelV3FunctionTool } from '@ai-sdk/provider';
import { delegatedTask, delegationTool, type ConversationMessage } from '../models/conversation.ts';
import { streamTurn } from '../models/stream-turn.ts';
import { scrubError } from '../models/secret-scrubbing-model.ts';
import { isAbortError } from '../models/model-retry.ts';
import { describeError } from '../models/turn-builder.ts';
import { ModelCallError } from '../errors/app-error.ts';
import type { AgentModel } from '../models/model-factory.ts';
import { noRunTelemetry, type RunTelemetry, type SpanRef } from '../telemetry/run-telemetry.ts';

export interface ToolSpec {
  toolName: string;
  description: string;
  /** A worker tool's input schema; absent for a supervisor's delegation tool (input `{task}`). */
  inputSchema?: JSONSchema7;
}

export interface ModelTurnInput {
  agent: AgentPlan;
  messages: ConversationMessage[];
  /** A supervisor's children as tools; a worker's own tools (none when it has none, or for its final answer). */
  tools: ToolSpec[];
  parallelToolCalls: boolean;
  /** The run's metrics and spans, and the agent's turn span this call nests under. */
  telemetry?: RunTelemetry;
  parentSpan?: SpanRef | null;
}

export interface ToolCallRequest {
  toolCallId: string;
  toolName: string;
  task: string;
  /** The parsed input as the model gave it (a worker tool reads its arguments from it). */
  input: unknown;
  /** Set when the model's call is unusable (unparsable input, no task): answered as a tool error, not dispatched. */
  error?: string;
}

export interface ModelTurnOutput {
  text: string;
  toolCalls: ToolCallRequest[];
  /** The assistant turn, to append to the conversation. */
  message: ConversationMessage;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  /** Attempts beyond the first (failures before output that were retried). */
  retries: number;
  durationMs: number;
}

const INVALID_INPUT = 'invalid tool input: expected {"task": "<non-empty text>"}';

/**
 * One model call of an agent, streamed. Its deltas are collected and go to the run's sink as
 * one batch whenever the stream has nothing more buffered (and at the end), so messaging is
 * paid per batch, not per token, and order is kept. The sink is found through the actor system
 * the agent lives in: once the run is stopped the sink is gone (or the signal aborted) and the
 * batch is dropped, never routed anywhere else.
 */
export const modelTurnActor = fromPromise<ModelTurnOutput, ModelTurnInput>(async ({ input, system, signal }) => {
  const source = sourceOf(input.agent);
  let drafts: EventDraft[] = [];
  const flush = () => {
    if (drafts.length === 0) return;
    const batch = drafts;
    drafts = [];
    if (!signal.aborted) sendToSink(system, batch);
  };
  const { model } = input.agent;
  let retries = 0; // counted here too, so a call that fails in the end still reports its retries
  const span = (input.telemetry ?? noRunTelemetry).modelCall(input.parentSpan ?? null, input.agent, { provider: model.provider, modelId: model.modelId });
  try {
    const turn = await streamTurn(model.model, {
      system: input.agent.systemPrompt,
      messages: input.messages,
      tools: input.tools.map(functionTool),
      ...(model.temperature !== undefined && { temperature: model.temperature }),
      ...(model.maxOutputTokens !== undefined && { maxOutputTokens: model.maxOutputTokens }),
      ...(model.topP !== undefined && { topP: model.topP }),
      ...(model.retry && { retry: model.retry }),
      ...(model.idleTimeoutMs !== undefined && { idleTimeoutMs: model.idleTimeoutMs }),
      providerOptions: {
        ...model.providerOptions,
        // Sequential delegation: ask the providers that can for one tool call per turn (the
        // supervisor dispatches one at a time either way; this saves the model's tokens).
        // Keys of other providers are ignored by each provider, and OpenAI refuses the option
        // on a call without tools.
        ...(input.tools.length > 0 && {
          openai: { ...model.providerOptions?.openai, parallelToolCalls: input.parallelToolCalls },
          anthropic: { ...model.providerOptions?.anthropic, disableParallelToolUse: !input.parallelToolCalls },
        }),
        simulated: {
          parallelToolCalls: input.parallelToolCalls,
          agentName: input.agent.name,
          ...(input.agent.role && { role: input.agent.role }),
        },
      },
    }, {
      onTextDelta: (content) => drafts.push({ source, category: 'llm', action: 'stream', data: { content } }),
      onReasoningDelta: (content) => drafts.push({ source, category: 'llm', action: 'reasoning', data: { content } }),
      onIdle: flush,
      onRetry: () => {
        retries++;
      },
    }, signal);
    span.ok({ inputTokens: turn.usage.inputTokens, outputTokens: turn.usage.outputTokens });
    return {
      text: turn.text,
      toolCalls: turn.toolCalls.map((call): ToolCallRequest => {
        // A worker's tools (and names it invented) check their own input; a delegation tool needs a task.
        const spec = input.tools.find((t) => t.toolName === call.toolName);
        const own = spec ? spec.inputSchema !== undefined : input.tools.some((t) => t.inputSchema !== undefined);
        const task = call.error || own ? undefined : delegatedTask(call.input);
        const error = call.error ?? (task === undefined && !own ? INVALID_INPUT : undefined);
        return {
          toolCallId: call.toolCallId, toolName: call.toolName, task: task ?? JSON.stringify(call.input ?? null), input: call.input,
          ...(error && { error }),
        };
      }),
      message: turn.message,
      inputTokens: turn.usage.inputTokens,
      outputTokens: turn.usage.outputTokens,
      reasoningTokens: turn.usage.reasoningTokens,
      cachedInputTokens: turn.usage.cachedInputTokens,
      retries: turn.attempts - 1,
      durationMs: turn.durationMs,
    };
  } catch (err) {
    // The actor's own signal says the run was stopped; an idle timeout or a provider's failure is the call's error.
    if (signal.aborted) span.cancelled();
    else span.fail(describeError(scrubError(err, model.secrets ?? [])));
    // A cancelled run's abort stays what it is; a provider's failure says which model failed and
    // why (the simulated model's scripted failures already say so and stay as they are).
    throw isAbortError(err) || model.provider === 'simulated' ? err : namedFailure(model, err, retries);
  } finally {
    // Deltas streamed before the end (or a failure) go out ahead of whatever the agent does next.
    flush();
  }
});

/** A failed call as the supervisor (and, at the top, the run) reports it: provider, model and cause. */
function namedFailure(model: AgentModel, err: unknown, retries: number): ModelCallError {
  const status = (err as { statusCode?: unknown }).statusCode;
  // A provider (or a proxy) may echo the key back: redacted here, where every failure leaves the
  // call, rather than by a stream layer that would cost every token.
  const text = describeError(scrubError(err, model.secrets ?? []));
  const cause = text + (typeof status === 'number' && !text.includes(String(status)) ? ` (HTTP ${status})` : '');
  return new ModelCallError(`${model.provider} model "${model.modelId}" (${model.name}) failed: ${cause}`, { retries });
}

function functionTool(spec: ToolSpec): LanguageModelV3FunctionTool {
  if (!spec.inputSchema) return delegationTool(spec.toolName, spec.description);
  return { type: 'function', name: spec.toolName, description: spec.description, inputSchema: spec.inputSchema };
}
