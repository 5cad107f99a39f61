import { ToolError } from '../errors/app-error.ts';
import type { WorkerTool } from './worker-tool.ts';

export const ASK_HUMAN = 'ask_human';

/** Longer questions are refused: a question for a person, not a document. */
export const MAX_QUESTION_LENGTH = 10_000;

/** The question of an ask_human call, or a message saying why its input is unusable. */
export function questionOf(input: unknown): { question: string } | { error: string } {
  const question = (input as { question?: unknown } | null)?.question;
  if (typeof question !== 'string' || question.trim() === '') return { error: 'invalid input: expected {"question": "<text>"}' };
  if (question.length > MAX_QUESTION_LENGTH) return { error: `question: longer than ${MAX_QUESTION_LENGTH} characters` };
  return { question };
}

/**
 * `ask_human`: the worker asks a person and the answer is the tool's result. A call of it never
 * runs as a tool: the worker holds it as a pending request (src/actors/human-input.ts), the run
 * waits as a checkpoint, and `runs/respond` delivers the answer. `execute` is only reached if
 * something bypassed that, and says so to the model.
 */
export const askHumanTool: WorkerTool = {
  name: ASK_HUMAN,
  description: 'Asks a human a question and returns their answer. Use it when you need a decision, '
    + 'a fact or a confirmation only a person can give; the run waits until they answer.',
  inputSchema: {
    type: 'object',
    properties: { question: { type: 'string', description: 'The question, self-contained', maxLength: MAX_QUESTION_LENGTH } },
    required: ['question'],
    additionalProperties: false,
  },
  async execute() {
    throw new ToolError('ask_human is answered by a human, not run as a tool');
  },
};
