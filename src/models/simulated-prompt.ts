// What the simulated model reads of a call's prompt: the task, the agent's identity, the tool
// results so far, a rough input size. Pure, as simulated-script.ts which decides the turn from it.
import type { LanguageModelV3Prompt, LanguageModelV3ToolResultOutput } from '@ai-sdk/provider';

export type Identity = { agentName: string; role: string };

/** The text of each user message, in order. */
export function userTexts(prompt: LanguageModelV3Prompt): string[] {
  const texts: string[] = [];
  for (const m of prompt) {
    if (m.role !== 'user') continue;
    texts.push(m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n'));
  }
  return texts;
}

/**
 * The conversation of the task at hand, without the earlier turns it continues (a thread's
 * earlier runs: a user message answered by a plain-text assistant message, then another user
 * message), so a supervisor's turn count and task are this task's.
 */
export function currentTask(prompt: LanguageModelV3Prompt): LanguageModelV3Prompt {
  const messages = prompt.filter((m) => m.role !== 'system');
  let start = 0;
  while (
    messages[start]?.role === 'user' && messages[start + 1]?.role === 'assistant'
    && messages[start + 2]?.role === 'user'
    && !(messages[start + 1]!.content as Array<{ type: string }>).some((p) => p.type === 'tool-call')
  ) start += 2;
  return messages.slice(start);
}

/** The task a worker answers and the marker check use: the last user message. */
export function lastUserText(prompt: LanguageModelV3Prompt): string {
  return userTexts(prompt).at(-1) ?? '';
}

/**
 * Identity from the system prompt. Format (first line of the first system
 * message): "You are <name>, <role>." — e.g. "You are Ada, a data analyst."
 * Anything else falls back to "assistant".
 */
export function parseIdentity(prompt: LanguageModelV3Prompt): Identity {
  const system = prompt.find((m) => m.role === 'system');
  const firstLine = system?.role === 'system' ? (system.content.split('\n')[0] ?? '') : '';
  const match = /^\s*You are ([^,]+),\s*(.+?)\.?\s*$/.exec(firstLine);
  if (match?.[1] && match[2]) return { agentName: match[1].trim(), role: match[2].trim() };
  return { agentName: 'assistant', role: 'assistant' };
}

export function outputText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
      return output.value;
    case 'json':
      return JSON.stringify(output.value);
    case 'error-text':
      return `error: ${output.value}`;
    case 'error-json':
      return `error: ${JSON.stringify(output.value)}`;
    case 'execution-denied':
      return `denied${output.reason ? `: ${output.reason}` : ''}`;
    case 'content':
      return output.value.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join(' ');
  }
}

/** Every word the prompt carries, as a rough input-token estimate. */
export function countPromptWords(prompt: LanguageModelV3Prompt): number {
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  let n = 0;
  for (const m of prompt) {
    if (m.role === 'system') {
      n += words(m.content);
      continue;
    }
    for (const p of m.content) {
      if (p.type === 'text' || p.type === 'reasoning') n += words(p.text);
      else if (p.type === 'tool-call') n += words(JSON.stringify(p.input ?? null));
      else if (p.type === 'tool-result') n += words(outputText(p.output));
    }
  }
  return n;
}

/** The tool results of a worker's conversation so far, in order. */
export function toolResultsOf(prompt: LanguageModelV3Prompt): Array<{ name: string; text: string }> {
  return prompt.flatMap((m) => (m.role === 'tool'
    ? m.content.flatMap((p) => (p.type === 'tool-result' ? [{ name: p.toolName, text: outputText(p.output) }] : []))
    : []));
}
