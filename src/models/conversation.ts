import type { JSONObject, LanguageModelV3FunctionTool, LanguageModelV3Message, LanguageModelV3Prompt } from '@ai-sdk/provider';

/**
 * One message of an agent's conversation, in the language-model interface's own prompt format
 * (what every provider's `doStream` reads), so no conversion runs on the hot path. The system
 * prompt is not a message of the conversation: it goes with each call (see `toPrompt`).
 */
export type ConversationMessage = Exclude<LanguageModelV3Message, { role: 'system' }>;

/** The answer to one tool call, as the model gets it back. */
export interface ToolResult {
  toolCallId: string;
  toolName: string;
  ok: boolean;
  output: string;
  /** A structured answer (a delegation that did not complete: its typed outcome), given to the model as JSON instead of `output`. */
  structured?: JSONObject | null;
}

export function userMessage(text: string): ConversationMessage {
  return { role: 'user', content: [{ type: 'text', text }] };
}

/**
 * The tool message answering every call of a turn; failures as `error-text`, so the model sees
 * them as errors, and structured answers as JSON (its `status` says what happened).
 */
/** An earlier answer of the assistant (a thread's earlier run), as plain text. */
export function assistantMessage(text: string): ConversationMessage {
  return { role: 'assistant', content: [{ type: 'text', text }] };
}

export function toolResultsMessage(results: ToolResult[]): ConversationMessage {
  return {
    role: 'tool',
    content: results.map((r) => ({
      type: 'tool-result' as const,
      toolCallId: r.toolCallId,
      toolName: r.toolName,
      output: r.structured ? { type: 'json' as const, value: r.structured }
        : r.ok ? { type: 'text' as const, value: r.output } : { type: 'error-text' as const, value: r.output },
    })),
  };
}

/** The prompt of one call: the system prompt (when there is one) then the conversation. */
export function toPrompt(system: string | undefined, messages: readonly ConversationMessage[]): LanguageModelV3Prompt {
  return system ? [{ role: 'system', content: system }, ...messages] : [...messages];
}

/**
 * The tool a supervisor delegates to one child through. A plain JSON schema: the task is read
 * defensively from the model's input (see `delegatedTask`), so no validator runs per call.
 */
export function delegationTool(name: string, description: string): LanguageModelV3FunctionTool {
  return {
    type: 'function',
    name,
    description,
    inputSchema: {
      type: 'object',
      properties: { task: { type: 'string', description: 'The sub-task to hand over, complete and self-contained' } },
      required: ['task'],
      additionalProperties: false,
    },
  };
}

/** The task of a delegation call's parsed input, or undefined when it names no usable task. */
export function delegatedTask(input: unknown): string | undefined {
  const task = (input as { task?: unknown } | null | undefined)?.task;
  return typeof task === 'string' && task.trim() !== '' ? task : undefined;
}
