import { Part } from '@a2a-js/sdk';

/**
 * What a hierarchy answered, as A2A content. A plain answer is one text part. An answer that is
 * an A2A envelope — the JSON object `{"a2a": {"parts": [...], "reply"?: "message", "state"?:
 * "rejected"}}`, parts in A2A's JSON (`{"text"}`, `{"raw": base64}`, `{"url"}`, `{"data"}`, with
 * `filename` and `mediaType`) — gives A2A clients files and data, a direct Message instead of a
 * Task, or a rejection. Anything else that looks like JSON is just text.
 */
export interface A2AAnswer {
  parts: Part[];
  /** `message`: a blocking SendMessage answers a Message (the task exists all the same). */
  reply: 'task' | 'message';
  /** The agent refused the task: TASK_STATE_REJECTED instead of COMPLETED. */
  rejected: boolean;
}

const MAX_PARTS = 64;

function envelopeOf(result: string): A2AAnswer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(result);
  } catch {
    return undefined; // not JSON: a plain answer
  }
  const a2a = (parsed as { a2a?: unknown } | null)?.a2a as { parts?: unknown; reply?: unknown; state?: unknown } | undefined;
  if (!a2a || typeof a2a !== 'object' || !Array.isArray(a2a.parts) || a2a.parts.length === 0 || a2a.parts.length > MAX_PARTS) return undefined;
  const parts = a2a.parts.map((p) => Part.fromJSON(p));
  if (parts.some((p) => !p.content)) return undefined;
  return { parts, reply: a2a.reply === 'message' ? 'message' : 'task', rejected: a2a.state === 'rejected' };
}

export function answerOf(result: string): A2AAnswer {
  const trimmed = result.trim();
  const envelope = trimmed.startsWith('{') ? envelopeOf(trimmed) : undefined;
  return envelope ?? {
    parts: [{ content: { $case: 'text', value: result }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    reply: 'task', rejected: false,
  };
}
