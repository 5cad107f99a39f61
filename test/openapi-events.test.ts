import test from 'ava';
import { buildOpenApiDocument } from '../src/http/openapi.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { agentRoutes } from '../src/http/routes/agent-routes.ts';
import { runRoutes } from '../src/http/routes/run-routes.ts';
import { EVENT_DATA } from '../src/http/event-schemas.ts';

/**
 * The OpenAPI document's schemas of every event type (issue 19's agent.*, budget.*, human.* and
 * the outcome object among them) and the examples of agent control. Routes are only described
 * here, never called, so they are built without their services.
 */
const doc: any = buildOpenApiDocument([...agentRoutes(null as never), ...runRoutes(null as never, null as never, {} as never)], 'test');
const schemas = doc.components.schemas as Record<string, any>;

function deref(schema: any): any {
  const ref: unknown = schema?.$ref;
  return typeof ref === 'string' ? ref.replace(/^#\//, '').split('/').reduce((node: any, key) => node?.[key], doc) : schema;
}

// The viewer follows the stream by these names (EventSource hears only the listened ones): one list for both.
const { EVENT_TYPES } = await import(new URL('../src/http/viewer/static/run-stream.js', import.meta.url).href);

test('RunEvent is the union of one schema per event type, each with its category and action fixed; the viewer listens to every one', (t) => {
  const types = Object.keys(EVENT_DATA);
  t.true(types.length >= 22);
  for (const type of ['agent.cancelled', 'agent.steered', 'budget.warning', 'budget.exhausted', 'human.requested', 'human.responded', 'dispatch.worker_completed']) {
    t.true(types.includes(type), type);
  }
  const members = (schemas.RunEvent.anyOf ?? schemas.RunEvent.oneOf) as any[];
  t.is(members.length, types.length);
  const documented = members.map((m) => {
    const s = deref(m);
    t.truthy(s?.properties?.data, JSON.stringify(m));
    t.deepEqual(s.required, ['run_id', 'timestamp', 'sequence', 'source', 'event', 'data']);
    return `${s.properties.event.properties.category.const}.${s.properties.event.properties.action.const}`;
  });
  t.deepEqual(documented.sort(), [...types].sort());
  t.deepEqual([...EVENT_TYPES].sort(), [...types].sort(), 'the viewer listens to exactly the documented types');
  // runs/events answers them.
  const events = doc.paths[`${API_PREFIX}/runs/events`].post.responses['200'].content['application/json'].schema;
  const item = deref(events).properties.data.properties.events.items;
  t.deepEqual(item.allOf.map((s: any) => s.$ref ?? Object.keys(s.properties).join()), ['id', '#/components/schemas/RunEvent'], 'each with its id');
});

test('the new events document their data: the outcome object, budget scope/limit/spent/max, the human request', (t) => {
  const data = (id: string) => schemas[id].properties.data;
  const cancelled = data('AgentCancelledEvent');
  t.deepEqual(cancelled.required, ['agent_id', 'mode', 'cancelled_by', 'outcome']);
  const outcome = deref(cancelled.properties.outcome);
  t.deepEqual(outcome.properties.status.enum, ['completed', 'failed', 'cancelled', 'budget_exhausted', 'timed_out']);
  t.deepEqual(Object.keys(outcome.properties).sort(), ['error', 'output', 'partial_output', 'status', 'usage']);
  t.deepEqual(Object.keys(outcome.properties.usage.properties).sort(), ['cost_usd', 'input_tokens', 'model_calls', 'output_tokens', 'tool_calls']);
  t.deepEqual(Object.keys(data('AgentSteeredEvent').properties).sort(), ['agent_id', 'delivery', 'message']);
  for (const id of ['BudgetWarningEvent', 'BudgetExhaustedEvent']) t.deepEqual(Object.keys(data(id).properties).sort(), ['limit', 'max', 'scope', 'spent'], id);
  const request = deref(data('HumanRequestedEvent'));
  // As runs/get lists it in pending_inputs, less the agent (the event's source) and with its tool call.
  t.deepEqual(Object.keys(request.properties).sort(), ['arguments', 'kind', 'question', 'request_id', 'requested_at', 'tool_call_id', 'tool_name']);
  t.deepEqual(request.properties.kind.enum, ['approval', 'question']);
  t.deepEqual(Object.keys(data('HumanRespondedEvent').properties).sort(), ['answer', 'approved', 'kind', 'message', 'request_id', 'tool_call_id', 'tool_name']);
  t.deepEqual(Object.keys(data('HumanWithdrawnEvent').properties).sort(), ['request_id', 'tool_call_id', 'tool_name']);
  // The completions carry the typed outcome.
  const completed = data('DispatchWorkerCompletedEvent');
  t.is(deref(completed.properties.outcome).properties.status.enum.length, 5);
  t.deepEqual(completed.properties.status.enum, outcome.properties.status.enum);
});

test('runs/agents/cancel and steer: examples of the request and of the answer, and their error codes', (t) => {
  for (const action of ['cancel', 'steer']) {
    const op = doc.paths[`${API_PREFIX}/runs/agents/${action}`].post;
    const examples = Object.values(op.requestBody.content['application/json'].examples ?? {}).map((e: any) => e.value);
    t.true(examples.length > 0, `${action} request examples`);
    for (const example of examples) t.like(example, { id: 42 });
    if (action === 'cancel') t.true(examples.some((e: any) => e.mode === 'graceful'));
    const answer = deref(deref(op.responses['200'].content['application/json'].schema).properties.data);
    t.true(answer.examples.some((e: any) => e.status === 'stopped' && e.outcome?.status === 'cancelled' && typeof e.outcome.partial_output === 'string'));
    t.true(answer.examples.some((e: any) => e.status === 'steered'));
    t.regex(op.responses['404'].description, /AGENT_NOT_FOUND/);
    t.regex(op.responses['409'].description, /AGENT_ALREADY_STOPPED.*RUN_ALREADY_ENDED/);
    t.regex(op.responses['503'].description, /AGENT_CONTROL_UNAVAILABLE/);
  }
  // A route without its own error notes keeps the generic ones and no 503.
  t.is(doc.paths[`${API_PREFIX}/runs/get`].post.responses['503'], undefined);
});
