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
import type { SpanRef } from '../telemetry/run-telemetry.ts';
import { resourcesOf } from './run-resources.ts';
import { reserveModelCall } from './budget-check.ts';
import { callCompletedDraft, callStartedDraft, type ModelCallRef } from './model-call-events.ts';

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
  /** The agent's turn span this call nests under. */
  parentSpan?: SpanRef | null;
  /**
   * Set on a call that was in flight when the run's process was lost (see resume-preparation.ts):
   * it is issued again from its start, announced by `llm.turn_restarted` (what it had streamed stays in the log).
   */
  restarted?: boolean;
  /** Which call of the agent this is, for its `llm.call_*` events (absent in checkpoints made before they existed: none are written). */
  call?: ModelCallRef;
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
  /** USD, from the model's prices (0: unpriced; absent in checkpoints made before costs existed). */
  costUsd?: number;
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
  const resources = resourcesOf(system);
  const { streamedText } = resources;
  let streamed = '';
  let streamedChanged = false;
  let finished = false;
  streamedText.delete(input.agent.agentId);
  const flush = () => {
    if (drafts.length === 0) return;
    const batch = drafts;
    drafts = [];
    if (signal.aborted) return;
    // Per batch, not per token: what a cancel of this agent keeps as its partial output.
    if (streamedChanged) streamedText.set(input.agent.agentId, streamed);
    streamedChanged = false;
    sendToSink(system, batch);
  };
  const model = resources.models.get(input.agent.agentId);
  if (!model) throw new Error(`no model for agent ${input.agent.agentId} in this run`);
  if (input.restarted) {
    drafts.push({ source, category: 'llm', action: 'turn_restarted', data: { agent_id: input.agent.agentId, reason: 'the process running this model call was lost; it is issued again from its start' } });
    flush();
  }
  // Before the call: a budget on the agent's way up may refuse it (BudgetExhaustedError) or cap its output.
  const budget = await reserveModelCall(system, input.agent, model.maxOutputTokens, () => [
    input.agent.systemPrompt, JSON.stringify(input.messages), JSON.stringify(input.tools),
  ]);
  const maxOutputTokens = budget.maxOutputTokens ?? model.maxOutputTokens;
  let retries = 0; // counted here too, so a call that fails in the end still reports its retries
  const { call } = input;
  const startedAt = performance.now();
  // Goes out with the call's first deltas (one batch), never as a round trip of its own.
  if (call) {
    drafts.push(callStartedDraft(source, call, {
      agentId: input.agent.agentId, model, system: input.agent.systemPrompt, messages: input.messages,
      tools: input.tools.map((t) => t.toolName), restarted: input.restarted === true, startedAt: new Date().toISOString(),
    }));
  }
  const span = resources.telemetry.modelCall(input.parentSpan ?? null, input.agent, { provider: model.provider, modelId: model.modelId });
  try {
    const turn = await streamTurn(model.model, {
      system: input.agent.systemPrompt,
      messages: input.messages,
      tools: input.tools.map(functionTool),
      ...(model.temperature !== undefined && { temperature: model.temperature }),
      ...(maxOutputTokens !== undefined && { maxOutputTokens }),
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
      onTextDelta: (content) => {
        streamed += content;
        streamedChanged = true;
        drafts.push({ source, category: 'llm', action: 'stream', data: { content } });
      },
      onReasoningDelta: (content) => drafts.push({ source, category: 'llm', action: 'reasoning', data: { content } }),
      onIdle: flush,
      onRetry: () => {
        retries++;
      },
    }, signal);
    const costUsd = budget.settle(turn.usage);
    span.ok({ inputTokens: turn.usage.inputTokens, outputTokens: turn.usage.outputTokens, costUsd });
    if (call) {
      drafts.push(callCompletedDraft(source, call, {
        status: 'ok', usage: turn.usage, costUsd, durationMs: turn.durationMs, retries: turn.attempts - 1,
        finish: { reason: turn.finishReason, textChars: turn.text.length, toolCalls: turn.toolCalls.length },
      }));
    }
    finished = true;
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
      costUsd,
    };
  } catch (err) {
    // No usage is known of a call that failed or was stopped: its reservation goes, the call counts.
    budget.settle(null);
    // The actor's own signal says the run was stopped; an idle timeout or a provider's failure is the call's error.
    if (signal.aborted) span.cancelled();
    else span.fail(describeError(scrubError(err, model.secrets ?? [])));
    // A cancelled run's abort stays what it is; a provider's failure says which model failed and
    // why (the simulated model's scripted failures already say so and stay as they are).
    const reported = isAbortError(err) || model.provider === 'simulated' ? err : namedFailure(model, err, retries);
    // An aborted call's batch is dropped with the rest (see flush): a trace ends it where the agent or run stopped.
    if (call) {
      const cancelled = isAbortError(err);
      drafts.push(callCompletedDraft(source, call, {
        status: cancelled ? 'cancelled' : 'failed', usage: null, costUsd: 0, durationMs: performance.now() - startedAt, retries,
        ...(!cancelled && { error: describeError(scrubError(reported, model.secrets ?? [])) }),
      }));
    }
    throw reported;
  } finally {
    // Deltas streamed before the end (or a failure) go out ahead of whatever the agent does next.
    flush();
    // A call that failed (or was stopped) leaves its text for the agent's partial output; a finished one's is in its answer.
    if (finished) streamedText.delete(input.agent.agentId);
  }
});

/** A failed call as the supervisor (and, at the top, the run) reports it: provider, model and cause. */
function namedFailure(model: AgentModel, err: unknown, retries: number): ModelCallError {
  const status = (err as { statusCode?: unknown }).statusCode;
  // A provider (or a proxy) may echo the key back: redacted here, where every failure leaves the
  // call, rather than by a stream layer that would cost every token.
  const text = describeError(scrubError(err, model.secrets ?? []));
  const cause = text + (typeof status === 'number' && !text.includes(String(status)) ? ` (HTTP ${status})` : '');
  // A model that stopped answering (idle timeout) makes the task end `timed_out`, not `failed`.
  const errorCode = (err as { name?: unknown }).name === 'StreamIdleTimeoutError' ? 'MODEL_TIMEOUT' as const : undefined;
  return new ModelCallError(`${model.provider} model "${model.modelId}" (${model.name}) failed: ${cause}`, { retries, ...(errorCode && { errorCode }) });
}

function functionTool(spec: ToolSpec): LanguageModelV3FunctionTool {
  if (!spec.inputSchema) return delegationTool(spec.toolName, spec.description);
  return { type: 'function', name: spec.toolName, description: spec.description, inputSchema: spec.inputSchema };
}
