import type { LanguageModelV3Usage, SharedV3ProviderMetadata } from '@ai-sdk/provider';
import type { ConversationMessage } from './conversation.ts';

export interface TurnToolCall {
  toolCallId: string;
  toolName: string;
  /** The parsed JSON input; the raw text when it is not JSON (then `error` is set). */
  input: unknown;
  /** Set when the input is not JSON: the call is unusable and should be answered as an error. */
  error?: string;
}

type AssistantPart = Extract<ConversationMessage, { role: 'assistant' }>['content'][number];

/** Tokens of one turn; a count the provider did not report is 0. */
export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  /** Part of outputTokens spent on reasoning. */
  reasoningTokens: number;
  /** Part of inputTokens read from the provider's prompt cache. */
  cachedInputTokens: number;
}

/** What a finished turn is made of (stream-turn adds timing and attempts). */
export interface BuiltTurn {
  text: string;
  toolCalls: TurnToolCall[];
  /** The assistant turn to append to the conversation: reasoning, text and tool calls, in stream order. */
  message: ConversationMessage;
  usage: TurnUsage;
  finishReason: string;
}

/** A message for anything thrown or streamed as an error: an Error's message, else its JSON. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** Collects one turn from its parts: the text, tool calls and the assistant message. */
export class TurnBuilder {
  #text = '';
  readonly #content: AssistantPart[] = [];
  readonly #open = new Map<string, Extract<AssistantPart, { type: 'text' | 'reasoning' }>>();
  readonly #toolCalls: TurnToolCall[] = [];
  #usage: TurnUsage = { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 };
  #finishReason = 'unknown';
  #hasOutput = false;

  /** Whether any text, reasoning or tool call came out: from then on a failure is not retried. */
  get hasOutput(): boolean {
    return this.#hasOutput;
  }

  text(id: string, delta: string, metadata: SharedV3ProviderMetadata | undefined): void {
    this.#text += delta;
    this.#append('text', id, delta, metadata);
  }

  reasoning(id: string, delta: string, metadata: SharedV3ProviderMetadata | undefined): void {
    this.#append('reasoning', id, delta, metadata);
  }

  /** Provider metadata of a part (a reasoning signature, say) goes back to the provider with it. */
  #append(type: 'text' | 'reasoning', id: string, delta: string, metadata: SharedV3ProviderMetadata | undefined): void {
    if (delta) this.#hasOutput = true;
    const key = `${type}:${id}`;
    let part = this.#open.get(key);
    if (!part) {
      part = type === 'text' ? { type: 'text', text: '' } : { type: 'reasoning', text: '' };
      this.#open.set(key, part);
      this.#content.push(part);
    }
    part.text += delta;
    if (metadata) part.providerOptions = metadata;
  }

  toolCall(toolCallId: string, toolName: string, raw: string, metadata: SharedV3ProviderMetadata | undefined): void {
    this.#hasOutput = true;
    let input: unknown = raw;
    let error: string | undefined;
    try {
      // An empty input is a call without arguments, as the AI SDK reads it.
      input = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch (err) {
      error = `invalid tool call: input is not JSON (${describeError(err)})`;
    }
    this.#toolCalls.push({ toolCallId, toolName, input, ...(error && { error }) });
    // The conversation keeps an object as input, which is what providers accept back.
    const kept = !error && input !== null && typeof input === 'object' ? input : {};
    this.#content.push({ type: 'tool-call', toolCallId, toolName, input: kept, ...(metadata && { providerOptions: metadata }) });
  }

  finish(usage: LanguageModelV3Usage, reason: string): void {
    this.#usage = {
      inputTokens: usage.inputTokens.total ?? 0,
      outputTokens: usage.outputTokens.total ?? 0,
      reasoningTokens: usage.outputTokens.reasoning ?? 0,
      cachedInputTokens: usage.inputTokens.cacheRead ?? 0,
    };
    this.#finishReason = reason;
  }

  result(): BuiltTurn {
    // Empty text parts (a text block opened and closed with nothing in it) are left out, as the SDK does.
    const content = this.#content.filter((p) => !(p.type === 'text' && p.text === ''));
    return {
      text: this.#text,
      toolCalls: this.#toolCalls,
      message: { role: 'assistant', content },
      usage: this.#usage,
      finishReason: this.#finishReason,
    };
  }
}
