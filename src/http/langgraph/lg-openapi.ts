/** The LangGraph routes in the OpenAPI document: their bodies are LangGraph Platform's, as @langchain/langgraph-sdk sends and reads them. */
const DOCS = 'https://langchain-ai.github.io/langgraph/cloud/reference/api/api_ref.html';
const json = { 'application/json': { schema: { type: 'object', description: `As LangGraph Platform's API (see ${DOCS})` } } };
const sse = { 'text/event-stream': { schema: { type: 'string', description: 'SSE: `metadata` first, then one event per stream mode item (`values`, `updates`, `messages`, `events`, `custom`, `debug`; `mode|namespace` with stream_subgraphs), each with an id to resume after (Last-Event-ID)' } } };
const param = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const thread = param('thread_id', 'The thread (a UUID)');
const run = param('run_id', 'The run (a UUID made from the Cadre run id)');
const assistant = param('assistant_id', 'The assistant: a hierarchy, by id or name');
const errors = {
  '404': { description: 'No such assistant, thread or run (for this tenant)', content: json },
  '409': { description: 'A conflict: a busy thread, a run that already ended', content: json },
  '422': { description: 'Invalid or unsupported input, named in `detail`', content: json },
};
const op = (summary: string, options: { params?: object[]; body?: boolean; stream?: boolean; empty?: boolean } = {}) => ({
  summary, tags: ['langgraph'],
  parameters: options.params ?? [],
  ...(options.body && { requestBody: { content: json } }),
  responses: {
    ...(options.empty ? { '204': { description: 'done' } } : { '200': { description: 'success', content: options.stream ? sse : json } }),
    ...errors,
  },
});

export function lgOpenApiPaths(): Record<string, object> {
  return {
    '/lg/assistants/search': { post: op('Search assistants (every hierarchy, graph_id "cadre"): name, graph_id, limit, offset', { body: true }) },
    '/lg/assistants/count': { post: op('Count assistants', { body: true }) },
    '/lg/assistants/{assistant_id}': { get: op('An assistant (a hierarchy)', { params: [assistant] }) },
    '/lg/assistants/{assistant_id}/schemas': { get: op("The assistant's graph schemas: messages in, the conversation out", { params: [assistant] }) },
    '/lg/threads': { post: op('Create a thread on the assistant named by metadata.assistant_id (thread_id, if_exists)', { body: true }) },
    '/lg/threads/search': { post: op('Search threads: metadata (assistant_id too), ids, limit, offset', { body: true }) },
    '/lg/threads/count': { post: op('Count threads: metadata', { body: true }) },
    '/lg/threads/{thread_id}': {
      get: op('A thread, with its values (its conversation)', { params: [thread] }),
      patch: op('Merge keys into a thread\'s metadata', { params: [thread], body: true }),
      delete: op('Delete a thread and its runs (refused while a run of it is live)', { params: [thread], empty: true }),
    },
    '/lg/threads/{thread_id}/state': { get: op("A thread's state: each run's task (human) and answer (ai), its checkpoint, its live run as its task", { params: [thread] }) },
    '/lg/threads/{thread_id}/history': { post: op("A thread's states, newest first, one per run (limit, before)", { params: [thread], body: true }) },
    '/lg/threads/{thread_id}/runs': {
      get: op("A thread's runs, newest first (limit, offset, status)", { params: [thread] }),
      post: op('Start a run in the background (input.messages: the last human one is the task; multitask_strategy reject, interrupt, rollback, enqueue; if_not_exists)', { params: [thread], body: true }),
    },
    '/lg/threads/{thread_id}/runs/stream': { post: op('Start a run and stream it (stream_mode, stream_subgraphs)', { params: [thread], body: true, stream: true }) },
    '/lg/threads/{thread_id}/runs/wait': { post: op("Start a run and answer the thread's values once it ended", { params: [thread], body: true }) },
    '/lg/runs': { post: op('Start a stateless run (on a thread of its own, deleted once it ended unless on_completion is "keep")', { body: true }) },
    '/lg/runs/stream': { post: op('Start a stateless run and stream it', { body: true, stream: true }) },
    '/lg/runs/wait': { post: op('Start a stateless run and answer its values once it ended', { body: true }) },
    '/lg/runs/cancel': { post: op('Cancel runs: thread_id and run_ids, a thread\'s live runs, or by status (pending, running, all); action interrupt or rollback', { body: true, empty: true }) },
    '/lg/threads/{thread_id}/runs/{run_id}': {
      get: op('A run', { params: [thread, run] }),
      delete: op('Delete a run (cancelled first if live)', { params: [thread, run], empty: true }),
    },
    '/lg/threads/{thread_id}/runs/{run_id}/join': { get: op("Wait for a run to end; the thread's values then", { params: [thread, run] }) },
    '/lg/threads/{thread_id}/runs/{run_id}/stream': { get: op("Follow a run's stream (Last-Event-ID: resume after it; -1: from the start; stream_mode)", { params: [thread, run], stream: true }) },
    '/lg/threads/{thread_id}/runs/{run_id}/cancel': { post: op('Cancel a run (action interrupt: it ends interrupted; rollback: it is deleted; wait)', { params: [thread, run], empty: true }) },
  };
}
