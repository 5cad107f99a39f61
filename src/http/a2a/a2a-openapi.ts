/** The A2A routes in the OpenAPI document: their bodies are A2A 1.0's (ProtoJSON), described by the A2A specification. */
const SPEC = 'https://a2a-protocol.org/v1.0/specification/';
const json = { 'application/json': { schema: { type: 'object', description: `An A2A 1.0 message (ProtoJSON; see ${SPEC})` } } };
const sse = { 'text/event-stream': { schema: { type: 'string', description: 'SSE `data:` frames, each one StreamResponse (JSON-RPC: inside the JSON-RPC result)' } } };
const agent = { name: 'h', in: 'path', required: true, schema: { type: 'string' }, description: 'The hierarchy (id or name): the agent' };
const task = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The task id (a run id)' };
const op = (summary: string, options: { body?: boolean; stream?: boolean; task?: boolean } = {}) => ({
  summary, tags: ['a2a'],
  parameters: options.task ? [agent, task] : [agent],
  ...(options.body && { requestBody: { content: json } }),
  responses: { '200': { description: 'success', content: options.stream ? sse : json } },
});

export function a2aOpenApiPaths(): Record<string, object> {
  return {
    '/a2a/{h}/.well-known/agent-card.json': { get: op('The agent card of a hierarchy (skills from its teams, both bindings, A2A 1.0 and 0.3)') },
    '/a2a/{h}': {
      post: op('A2A JSON-RPC: SendMessage, SendStreamingMessage (SSE), GetTask, ListTasks, CancelTask, SubscribeToTask (SSE), push notification configs; 0.3 names (message/send, tasks/get, ...) too', { body: true }),
    },
    '/a2a/{h}/message:send': { post: op('Send a message: start a task (a run) on its context (a thread), answer an input-required task, or steer a working one', { body: true }) },
    '/a2a/{h}/message:stream': { post: op('Send a message and stream the task: the Task first, then status and artifact updates until it ends or needs input', { body: true, stream: true }) },
    '/a2a/{h}/tasks': { get: op("List the agent's tasks (contextId, status, pageSize, pageToken, historyLength, statusTimestampAfter, includeArtifacts)") },
    '/a2a/{h}/tasks/{id}': { get: op('A task (historyLength)', { task: true }) },
    '/a2a/{h}/tasks/{id}:cancel': { post: op('Cancel a task (its run)', { task: true }) },
    '/a2a/{h}/tasks/{id}:subscribe': { get: op('Follow a live task: the Task first, then its updates', { task: true, stream: true }) },
    '/a2a/{h}/tasks/{id}/pushNotificationConfigs': {
      get: op("A task's push notification configs", { task: true }),
      post: op('Add a webhook told of every update of the task (through the outbound address policy, with its token)', { task: true, body: true }),
    },
    '/a2a/{h}/tasks/{id}/pushNotificationConfigs/{configId}': {
      get: op('A push notification config', { task: true }),
      delete: op('Delete a push notification config', { task: true }),
    },
  };
}
