/**
 * The official A2A TCK (a2aproject/a2a-tck, its `scenarios/*.feature`) steers the agent under
 * test by each message's id prefix. The simulated model plays those scenarios when its params
 * say `scenarios: "a2a-tck"`: a supervisor asked on behalf of such a message answers at once
 * with the scenario's result (rich parts as an A2A answer envelope, see http/a2a/a2a-answers.ts)
 * instead of delegating; a message id no scenario names gets the default (the task completes
 * with "Hello from TCK", as the TCK's default scenario has it). `tck-input-required` plays the
 * team as usual, so a worker holding `ask_human` really asks a human and the run really parks.
 */

/** An answer carrying A2A parts (ProtoJSON), a reply kind or a task state: what a2a-answers.ts reads. */
function envelope(a2a: Record<string, unknown>): string {
  return JSON.stringify({ a2a });
}

const text = (value: string) => value;
const FILE_BYTES = Buffer.from('TCK file content').toString('base64');

/** Longest prefix first: `tck-artifact-file-url` must not be taken for `tck-artifact-file`. */
const SCENARIOS: ReadonlyArray<[prefix: string, answer: string]> = [
  ['tck-complete-task', text('Hello from TCK')],
  ['tck-artifact-text', text('Generated text content')],
  ['tck-artifact-file-url', envelope({ parts: [{ url: 'https://example.com/output.txt', filename: 'output.txt', mediaType: 'text/plain' }] })],
  ['tck-artifact-file', envelope({ parts: [{ raw: FILE_BYTES, filename: 'output.txt', mediaType: 'text/plain' }] })],
  ['tck-artifact-data', envelope({ parts: [{ data: { key: 'value', count: 42 }, mediaType: 'application/json' }] })],
  ['tck-message-response', envelope({ reply: 'message', parts: [{ text: 'Direct message response' }] })],
  ['tck-reject-task', envelope({ state: 'rejected', parts: [{ text: 'rejected' }] })],
  ['tck-stream-001', text('Stream hello from TCK')],
  ['tck-stream-002', text('Stream message-only response')],
  ['tck-stream-003', text('Stream task lifecycle')],
  ['tck-stream-ordering-001', text('Ordered output')],
  ['tck-stream-artifact-text', text('Streamed text content')],
  ['tck-stream-artifact-file', envelope({ parts: [{ raw: FILE_BYTES, filename: 'output.txt', mediaType: 'text/plain' }] })],
  ['tck-stream-artifact-chunked', text('chunk-1 chunk-2')],
].sort((a, b) => b[0].length - a[0].length) as Array<[string, string]>;

const DEFAULT_ANSWER = 'Hello from TCK';

/** The answer a supervisor gives at once for the run's A2A message, or undefined: play the team as usual. */
export function tckAnswerOf(runMetadata: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const messageId = (runMetadata?.a2a as { message_id?: unknown } | undefined)?.message_id;
  if (typeof messageId !== 'string' || messageId.startsWith('tck-input-required')) return undefined;
  return SCENARIOS.find(([prefix]) => messageId.startsWith(prefix))?.[1] ?? DEFAULT_ANSWER;
}
