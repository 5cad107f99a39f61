import type { Message } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { PendingInput } from '../../domain/human-input.ts';
import type { RespondInput } from '../../services/human-input-service.ts';

/** The longest task an A2A message may carry (as runs/start's `task`). */
const MAX_TASK_CHARS = 100_000;
const YES = /^(y|yes|approve|approved|ok|okay|allow|go ahead|sure)\b/i;
const NO = /^(n|no|deny|denied|reject|rejected|refuse|stop|don't|do not)\b/i;

/**
 * What a user's message asks, as a run's task: its text parts in order; data parts as JSON;
 * files by name, type and URL only (a URL is never fetched: it is the client's to resolve, and
 * fetching it would let a tenant steer the server's connections).
 */
export function taskTextOf(message: Message): string {
  const pieces: string[] = [];
  for (const part of message.parts) {
    const content = part.content;
    if (!content) continue;
    if (content.$case === 'text') pieces.push(content.value);
    else if (content.$case === 'data') pieces.push(`\`\`\`json\n${JSON.stringify(content.value)}\n\`\`\``);
    else if (content.$case === 'url') pieces.push(`[file ${part.filename || ''} (${part.mediaType || 'unknown type'}): ${content.value}]`);
    else pieces.push(`[file ${part.filename || ''} (${part.mediaType || 'unknown type'}, ${content.value.length} bytes, not read)]`);
  }
  const text = pieces.join('\n\n').trim();
  if (text === '') throw new RequestMalformedError('message.parts: the message has no text or data to act on');
  if (text.length > MAX_TASK_CHARS) throw new RequestMalformedError(`message.parts: at most ${MAX_TASK_CHARS} characters`);
  return text;
}

/** A data part's fields, when the message has one (`{requestId?, approve?, answer?, message?}` answers an input request; `request_id` too). */
function dataOf(message: Message): Record<string, unknown> | undefined {
  for (const part of message.parts) {
    if (part.content?.$case === 'data' && part.content.value && typeof part.content.value === 'object') return part.content.value as Record<string, unknown>;
  }
  return undefined;
}

function textOnly(message: Message): string {
  return message.parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n').trim();
}

/**
 * The runs/respond input a message that answers an input-required task means: the request it
 * names (a data part's `requestId`), else the oldest open one. A question takes the text as
 * its answer; an approval reads yes/no from the text (or a data part's `approve`), the rest
 * of the text going to the model as the human's message.
 */
export function responseOf(runId: number, pending: readonly PendingInput[], message: Message): RespondInput {
  const data = dataOf(message);
  const requestId = data?.requestId ?? data?.request_id;
  const named = typeof requestId === 'string' ? pending.find((p) => p.request_id === requestId) : undefined;
  if (typeof requestId === 'string' && !named) throw new RequestMalformedError(`requestId: the task has no open request ${requestId}`);
  const request = named ?? pending[0];
  if (!request) throw new RequestMalformedError('the task has no open input request');
  const text = textOnly(message);
  const note = typeof data?.message === 'string' ? data.message : undefined;
  if (request.kind === 'question') {
    const answer = typeof data?.answer === 'string' ? data.answer : text;
    if (answer === '') throw new RequestMalformedError('message.parts: the answer is empty');
    return { id: runId, request_id: request.request_id, answer, ...(note && { message: note }) };
  }
  let approve = typeof data?.approve === 'boolean' ? data.approve : undefined;
  if (approve === undefined && YES.test(text)) approve = true;
  if (approve === undefined && NO.test(text)) approve = false;
  if (approve === undefined) throw new RequestMalformedError('message.parts: answer the approval with yes or no (or a data part {"approve": true|false})');
  const rest = note ?? text.replace(approve ? YES : NO, '').replace(/^[\s,.:;!-]+/, '').trim();
  return { id: runId, request_id: request.request_id, approve, ...(rest && { message: rest }) };
}
