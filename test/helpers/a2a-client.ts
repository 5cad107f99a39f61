import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Message, type SendMessageConfiguration, type SendMessageRequest, type StreamResponse, type Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, type Client } from '@a2a-js/sdk/client';

/** Helpers for driving Cadre with the official A2A client (@a2a-js/sdk). */

export function userMessage(text: string, extra: Partial<Message> = {}): Message {
  return {
    messageId: `m-${randomUUID()}`, contextId: '', taskId: '', role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata: undefined, extensions: [], referenceTaskIds: [], ...extra,
  };
}

export function sendRequest(message: Message, configuration: Partial<SendMessageConfiguration> = {}): SendMessageRequest {
  return {
    tenant: '', message, metadata: undefined,
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: false, ...configuration },
  };
}

/** A client from the agent's URL (trailing slash: the SDK resolves the card relative to it), preferring `binding`. */
export async function a2aClient(baseUrl: string, hierarchy: string, binding: 'JSONRPC' | 'HTTP+JSON'): Promise<Client> {
  const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { preferredTransports: [binding] }));
  return factory.createFromUrl(`${baseUrl}/a2a/${encodeURIComponent(hierarchy)}/`);
}

export function asTask(result: Message | Task): Task {
  if (!('status' in result)) throw new Error(`expected a Task, got a Message: ${JSON.stringify(result)}`);
  return result;
}

/** Every event of a stream, with a deadline. */
export async function collect(stream: AsyncGenerator<StreamResponse, void, undefined>, deadlineMs = 60_000): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  const timer = setTimeout(() => void stream.return(undefined), deadlineMs);
  try {
    for await (const e of stream) events.push(e);
  } finally {
    clearTimeout(timer);
  }
  return events;
}

export function stateOf(e: StreamResponse): TaskState | undefined {
  if (e.payload?.$case === 'task') return e.payload.value.status?.state;
  if (e.payload?.$case === 'statusUpdate') return e.payload.value.status?.state;
  return undefined;
}

export function textOfParts(parts: Array<{ content?: { $case: string; value: unknown } | undefined }>): string {
  return parts.map((p) => (p.content?.$case === 'text' ? String(p.content.value) : '')).join('');
}
