import { z } from 'zod';
import { metadataSchema } from '../../domain/free-form-json.ts';
import { parseInput } from '../validate.ts';
import { unprocessable } from './lg-errors.ts';
import { STREAM_MODES, type LgRunSettings, type StreamMode } from './lg-views.ts';

/** Most input messages one run takes: only the last human one becomes the task, the rest are looked through. */
const MAX_INPUT_MESSAGES = 1000;
const MAX_TASK_CHARS = 100_000;

const textPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const inputMessage = z.looseObject({
  role: z.string().optional(),
  type: z.string().optional(),
  content: z.union([z.string(), z.array(textPart).max(MAX_INPUT_MESSAGES)]),
});

const streamMode = z.string().refine((m) => (STREAM_MODES as readonly string[]).includes(m), {
  error: (issue) => `${String(issue.input)} is not supported (${STREAM_MODES.join(', ')})`,
});

/**
 * What runs/create, runs/stream and runs/wait take. Fields LangGraph has that would change a
 * run's meaning and Cadre cannot honour (a command, breakpoints, a checkpoint to fork from, a
 * webhook, a delay) are refused naming the field, not ignored; those that only tune LangGraph's
 * own machinery (config, context, durability, tracing) are accepted and have no effect here.
 */
const runCreateSchema = z.looseObject({
  assistant_id: z.string().min(1).max(64),
  input: z.looseObject({ messages: z.array(inputMessage).min(1).max(MAX_INPUT_MESSAGES) }).nullish(),
  metadata: metadataSchema().nullish(),
  stream_mode: z.union([streamMode, z.array(streamMode).max(STREAM_MODES.length)]).nullish(),
  stream_subgraphs: z.boolean().nullish(),
  multitask_strategy: z.enum(['reject', 'interrupt', 'rollback', 'enqueue']).nullish(),
  if_not_exists: z.enum(['create', 'reject']).nullish(),
  on_completion: z.enum(['delete', 'keep']).nullish(),
  on_disconnect: z.enum(['cancel', 'continue']).nullish(),
});

const REFUSED: ReadonlyArray<[field: string, why: string]> = [
  ['command', 'resuming with a command is not supported: answer a waiting run through runs/respond'],
  ['interrupt_before', 'breakpoints are not supported'],
  ['interrupt_after', 'breakpoints are not supported'],
  ['checkpoint', 'starting from a checkpoint is not supported'],
  ['checkpoint_id', 'starting from a checkpoint is not supported'],
  ['webhook', 'webhooks are not supported'],
  ['after_seconds', 'delayed runs are not supported'],
  ['feedback_keys', 'feedback keys are not supported'],
];

export interface RunRequest {
  assistantId: string;
  task: string;
  metadata: Record<string, unknown>;
  settings: LgRunSettings;
  /** rollback: the thread's live runs are cancelled and deleted first. */
  multitask: 'reject' | 'interrupt' | 'rollback' | 'enqueue';
  ifNotExists: 'create' | 'reject';
  onDisconnect: 'cancel' | 'continue';
}

/** The text of a message's content: a string, or its text parts joined. */
function textOf(content: string | Array<{ type: string; text?: string | undefined }>): string {
  return typeof content === 'string' ? content : content.filter((p) => p.type === 'text' && typeof p.text === 'string').map((p) => p.text).join('\n');
}

export function parseRunRequest(body: Record<string, unknown>, stateless: boolean): RunRequest {
  for (const [field, why] of REFUSED) {
    if (body[field] !== undefined && body[field] !== null) throw unprocessable(`${field}: ${why}`);
  }
  const input = parseInput(runCreateSchema, body);
  const messages = input.input?.messages;
  if (!messages) throw unprocessable('input: must hold messages, the last human one being the task');
  const human = messages.findLast((m) => ['human', 'user'].includes(m.type ?? m.role ?? ''));
  if (!human) throw unprocessable('input.messages: no human message (role or type "human" or "user") to take the task from');
  const task = textOf(human.content).trim();
  if (task === '') throw unprocessable('input.messages: the last human message has no text');
  if (task.length > MAX_TASK_CHARS) throw unprocessable(`input.messages: the task is longer than ${MAX_TASK_CHARS} characters`);
  const modes = input.stream_mode == null ? ['values'] : Array.isArray(input.stream_mode) ? input.stream_mode : [input.stream_mode];
  const multitask = input.multitask_strategy ?? 'reject';
  return {
    assistantId: input.assistant_id, task, metadata: input.metadata ?? {},
    settings: {
      stream_mode: [...new Set(modes.length > 0 ? modes : ['values'])] as StreamMode[],
      stream_subgraphs: input.stream_subgraphs ?? false,
      multitask_strategy: multitask === 'interrupt' || multitask === 'enqueue' ? multitask : 'reject',
      ...(stateless && { on_completion: input.on_completion ?? 'delete' }),
    },
    multitask, ifNotExists: input.if_not_exists ?? 'reject', onDisconnect: input.on_disconnect ?? 'continue',
  };
}
