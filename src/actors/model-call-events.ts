import type { EventDraft, EventSource } from '../events/run-event.ts';
import type { ConversationMessage } from '../models/conversation.ts';
import type { TurnUsage } from '../models/turn-builder.ts';

/**
 * Which model call of its agent a model turn is, as plain data in the turn's input (so a call
 * restored from a checkpoint keeps it): its `llm.call_*` events name it by `id`, and its
 * `llm.call_started` carries the conversation's messages from `messagesFrom` on — those no
 * earlier call of the task carried — so a trace rebuilds each call's whole input from the
 * events without every call storing the conversation again.
 */
export interface ModelCallRef {
  /** `<agent_id>#<n>`: the agent's n-th model call; unique within the run, the same after a resume. */
  id: string;
  messagesFrom: number;
  /** The agent's first call: its event carries the system prompt (the same for every call of the agent). */
  first: boolean;
}

/** What a model call's `llm.call_started` says about the call. */
export interface CallStart {
  agentId: string;
  model: { name: string; provider: string; modelId: string };
  system: string;
  messages: readonly ConversationMessage[];
  tools: readonly string[];
  restarted: boolean;
  /**
   * When the call was made (ISO): the event itself goes out with the call's first deltas, so its
   * own timestamp is when the model began answering.
   */
  startedAt: string;
}

/** How a model call ended, for its `llm.call_completed`. */
export interface CallEnd {
  status: 'ok' | 'failed' | 'cancelled';
  usage: TurnUsage | null;
  costUsd: number;
  durationMs: number;
  retries: number;
  /** A finished call: why the model stopped, the length of its text and how many tools it called. */
  finish?: { reason: string; textChars: number; toolCalls: number };
  /** A failed call: the error as the agent reports it (secrets redacted). */
  error?: string;
}

/**
 * The call's start. Its messages are the conversation's own (each bounded where it came from:
 * the task and prompts by the API, tool results by the tool's byte bound, thread context by
 * THREAD_CONTEXT_MAX_CHARS), so the event is bounded like the events that first carried them.
 */
export function callStartedDraft(source: EventSource, call: ModelCallRef, start: CallStart): EventDraft {
  return {
    source, category: 'llm', action: 'call_started',
    data: {
      call_id: call.id,
      agent_id: start.agentId,
      started_at: start.startedAt,
      model: start.model.name,
      provider: start.model.provider,
      model_id: start.model.modelId,
      messages_from: call.messagesFrom,
      messages: start.messages.slice(call.messagesFrom),
      ...(call.first && { system: start.system }),
      tools: start.tools,
      ...(start.restarted && { restarted: true }),
    },
  };
}

export function callCompletedDraft(source: EventSource, call: ModelCallRef, end: CallEnd): EventDraft {
  const usage = end.usage;
  return {
    source, category: 'llm', action: 'call_completed',
    data: {
      call_id: call.id,
      status: end.status,
      usage: {
        input_tokens: usage?.inputTokens ?? 0,
        output_tokens: usage?.outputTokens ?? 0,
        reasoning_tokens: usage?.reasoningTokens ?? 0,
        cached_input_tokens: usage?.cachedInputTokens ?? 0,
      },
      cost_usd: end.costUsd,
      duration_ms: Math.round(end.durationMs),
      retries: end.retries,
      ...(end.finish && { finish: { reason: end.finish.reason, text_chars: end.finish.textChars, tool_calls: end.finish.toolCalls } }),
      ...(end.error !== undefined && { error: end.error }),
    },
  };
}
