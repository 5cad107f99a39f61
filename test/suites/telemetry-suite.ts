import test from 'ava';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { uniqueName, type Backend } from '../helpers/backends.ts';
import { uniqueTenant } from '../helpers/api-harness.ts';
import { eventFrames, openSse } from '../helpers/sse-client.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { labelValues, metricValue, pollUntil, type Series } from '../helpers/prometheus-text.ts';
import {
  finishedRun, scrape, TELEMETRY_MCP_HEADER, TELEMETRY_MCP_KEY_ENV, toolHierarchy, useTelemetryHarness,
} from '../helpers/telemetry-harness.ts';
import { providers } from '../../src/domain/model-schemas.ts';
import { errorCodes } from '../../src/errors/error-codes.ts';
import { builtinToolSource } from '../../src/tools/tool-registry.ts';

/** Every value a label of Cadre's own series may take: closed sets, no string a tenant chose. */
const CLOSED_LABELS: Record<string, ReadonlySet<string>> = {
  status: new Set(['completed', 'failed', 'cancelled']),
  provider: new Set([...providers, 'other']),
  outcome: new Set(['ok', 'error', 'cancelled']),
  type: new Set(['input', 'output']),
  tool: new Set([...builtinToolSource.names, 'mcp', 'unknown']),
  kind: new Set([...errorCodes, 'MODEL_CALL', 'TOOL_CALL', 'EVENT_APPEND', 'RUN_FAILED', 'other']),
};

export function telemetrySuite(backend: Backend): void {
  const h = useTelemetryHarness(backend);

  test.serial(`${backend}: /metrics moves as a run executes: runs, events appended and delivered, model calls and tokens, tool calls, SSE subscribers`, async (t) => {
    const api = h().api(t, uniqueTenant());
    const { hierarchyId } = await toolHierarchy(api, 30);
    // Serial tests, one process: the simulated provider's series move by this run alone.
    const model = { provider: 'simulated' };
    const before = await scrape(t, api);
    const at = (text: string, name: string, labels: Series = {}) => metricValue(text, name, labels);

    const started = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'Work out 12 * 7 for the report' });
    const stream = await openSse(`${h().server.url}${API_PREFIX}/runs/stream`, {
      method: 'POST', body: { id: started.id }, headers: { 'x-tenant-id': api.tenant! },
    });
    t.is(stream.status, 200);
    // The stream holds its slot until the run's end: the gauges show it and the run live.
    const during = await scrape(t, api);
    t.true(at(during, 'cadre_sse_subscribers') >= 1, 'an open SSE stream is counted');
    t.is(at(during, 'cadre_runs_active'), 1, 'the run is executing');
    t.is(at(during, 'cadre_runs_queued'), 0);
    for await (const _ of stream) {
      // read to the end of the run
    }
    const delivered = eventFrames(stream.frames).length;
    t.true(delivered > 0);

    const run = await finishedRun(api, started.id);
    // The run's end is counted once its log is closed (just after its record).
    const after = await pollUntil(async () => {
      const text = await scrape(t, api);
      return at(text, 'cadre_runs_finished_total', { status: 'completed' }) > at(before, 'cadre_runs_finished_total', { status: 'completed' })
        && at(text, 'cadre_sse_subscribers') === 0 ? text : undefined;
    }, 10_000, 'the run to be counted as completed and its stream as closed');
    const delta = (name: string, labels: Series = {}) => at(after, name, labels) - at(before, name, labels);

    t.is(delta('cadre_runs_started_total'), 1);
    t.is(delta('cadre_runs_finished_total', { status: 'completed' }), 1);
    t.is(at(after, 'cadre_runs_active'), 0);
    t.is(delta('cadre_events_appended_total'), run.statistics.event_count, 'every stored event is counted as appended');
    t.true(delta('cadre_event_log_append_seconds_count') >= 1, 'appends are timed');
    t.is(delta('cadre_events_delivered_total'), delivered, 'every frame the one subscriber got is counted as delivered');
    const totals = run.statistics.totals;
    t.true(totals.model_calls >= 4);
    t.is(delta('cadre_model_calls_total', { ...model, outcome: 'ok' }), totals.model_calls);
    t.is(delta('cadre_model_call_duration_seconds_count', model), totals.model_calls);
    t.true(totals.input_tokens > 0 && totals.output_tokens > 0);
    t.is(delta('cadre_model_tokens_total', { ...model, type: 'input' }), totals.input_tokens);
    t.is(delta('cadre_model_tokens_total', { ...model, type: 'output' }), totals.output_tokens);
    t.true(delta('cadre_tool_calls_total', { tool: 'calculator', outcome: 'ok' }) >= 1, 'the worker\'s calculator calls are counted');

    // Errors by kind: a refused request counts under its error code.
    await api.fails('runs/get', { id: 'x' }, 400, undefined, 'VALIDATION_ERROR');
    const afterError = await scrape(t, api);
    t.is(at(afterError, 'cadre_errors_total', { kind: 'VALIDATION_ERROR' }) - at(after, 'cadre_errors_total', { kind: 'VALIDATION_ERROR' }), 1);
    // The default process metrics are there too.
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      t.true(new RegExp(`^${name} `, 'm').test(after), `${name} is exported`);
    }
  });

  test.serial(`${backend}: /metrics labels come from closed sets: no model name or id, no MCP server or tool name a tenant chose`, async (t) => {
    const api = h().api(t, uniqueTenant());
    const server = uniqueName('secret-mcp-xyz').replaceAll('_', '-');
    await api.ok('mcp-servers/create', { name: server, url: h().mcp.url, headers_env: { [TELEMETRY_MCP_HEADER]: TELEMETRY_MCP_KEY_ENV } });
    const { hierarchyId, modelId, modelName } = await toolHierarchy(api, 0, [`mcp:${server}`]);
    const before = await scrape(t, api);
    const at = (text: string, name: string, labels: Series = {}) => metricValue(text, name, labels);
    const started = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'Find the capital of France and compute 6 * 7' });
    await finishedRun(api, started.id);
    const after = await pollUntil(async () => {
      const text = await scrape(t, api);
      return at(text, 'cadre_runs_finished_total', { status: 'completed' }) > at(before, 'cadre_runs_finished_total', { status: 'completed' }) ? text : undefined;
    }, 10_000, 'the run to be counted as completed');
    const delta = (name: string, labels: Series) => at(after, name, labels) - at(before, name, labels);
    t.true(delta('cadre_tool_calls_total', { tool: 'calculator', outcome: 'ok' }) >= 1, 'a built-in tool counts under its name');
    t.true(delta('cadre_tool_calls_total', { tool: 'mcp', outcome: 'ok' }) >= 1, 'the MCP server\'s lookup counts under mcp');
    t.true(delta('cadre_tool_calls_total', { tool: 'mcp', outcome: 'error' }) >= 1, 'its failing tool too');
    t.true(delta('cadre_model_calls_total', { provider: 'simulated', outcome: 'ok' }) >= 4);
    for (const chosen of [modelId, modelName, server, 'lookup', 'explode', 'mcp__']) t.false(after.includes(chosen), `${chosen} is not in /metrics`);
    const values = labelValues(after, 'cadre_');
    t.true(values.length > 0);
    for (const [label, value] of values) {
      if (label === 'le') t.regex(value, /^(\d+(\.\d+)?|\+Inf)$/, 'a histogram bucket');
      else t.true(CLOSED_LABELS[label]?.has(value) ?? false, `${label}="${value}" is from a closed set`);
    }
  });

  test.serial(`${backend}: a run's spans form the tree run → agent turns → model calls / tool calls, with GenAI attributes; the run record holds the trace id`, async (t) => {
    const api = h().api(t, uniqueTenant());
    const { hierarchyId, modelId } = await toolHierarchy(api, 0);
    const started = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'Work out 3 + 4 for the report' });
    const run = await finishedRun(api, started.id);
    const ofRun = () => h().spans.getFinishedSpans().filter((s) => s.attributes['cadre.run_id'] === started.id);
    // The root ends once the run's log is closed, just after the record is written.
    const spans = await pollUntil(async () => (ofRun().some((s) => s.name === `run ${started.id}`) ? ofRun() : undefined), 10_000, 'the run span');

    const root = spans.find((s) => s.name === `run ${started.id}`)!;
    t.is(root.parentSpanContext, undefined, 'the run span is the root of its trace');
    t.regex(run.trace_id, /^[0-9a-f]{32}$/);
    t.is(root.spanContext().traceId, run.trace_id, 'the run record holds the trace id');
    t.true(spans.every((s) => s.spanContext().traceId === run.trace_id), 'every span of the run is in its trace');
    const listed = await api.ok('runs/list', { page: 1, size: 20 });
    t.true(listed.content.length > 0);
    t.is(listed.content.find((r: any) => r.id === started.id)?.trace_id, run.trace_id);

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => (s.parentSpanContext ? byId.get(s.parentSpanContext.spanId) : undefined);
    const op = (s: ReadableSpan) => s.attributes['gen_ai.operation.name'];
    const turns = spans.filter((s) => op(s) === 'invoke_agent');
    const turnOf = (type: string) => turns.filter((s) => s.attributes['cadre.agent_type'] === type);
    t.is(turnOf('global_supervisor').length, 1);
    t.is(turnOf('team_supervisor').length, 1);
    t.is(turnOf('worker').length, 1);
    const [global, team, worker] = [turnOf('global_supervisor')[0]!, turnOf('team_supervisor')[0]!, turnOf('worker')[0]!];
    t.is(parentOf(global), root, 'the global supervisor\'s turn is under the run');
    t.is(parentOf(team), global, 'a team supervisor\'s turn is under the delegating turn');
    t.is(parentOf(worker), team, 'a worker\'s turn is under its team supervisor\'s turn');
    t.is(worker.attributes['gen_ai.agent.name'], 'Ada');

    const chats = spans.filter((s) => op(s) === 'chat');
    t.is(chats.length, run.statistics.totals.model_calls);
    for (const chat of chats) {
      const turn = parentOf(chat);
      t.truthy(turn && op(turn) === 'invoke_agent', 'a model call is under an agent turn');
      t.is(chat.attributes['gen_ai.agent.id'], turn?.attributes['gen_ai.agent.id']);
      t.is(chat.attributes['gen_ai.provider.name'], 'simulated');
      t.is(chat.attributes['gen_ai.system'], 'simulated');
      t.is(chat.attributes['gen_ai.request.model'], modelId);
      t.is(typeof chat.attributes['gen_ai.usage.input_tokens'], 'number');
      t.true((chat.attributes['gen_ai.usage.output_tokens'] as number) > 0);
    }
    for (const turn of turns) t.true(chats.some((c) => parentOf(c) === turn), `${turn.name} made model calls`);
    const tools = spans.filter((s) => op(s) === 'execute_tool');
    t.true(tools.length >= 1);
    for (const tool of tools) {
      t.is(parentOf(tool), worker, 'a tool call is under the worker\'s turn');
      t.is(tool.attributes['gen_ai.tool.name'], 'calculator');
      t.is(typeof tool.attributes['gen_ai.tool.call.id'], 'string');
    }
    t.true(spans.every((s) => s.attributes['cadre.run_id'] === started.id));
    t.is(spans.length, 1 + turns.length + chats.length + tools.length, 'no span of another kind');
  });

  test.serial(`${backend}: a run cancelled mid-call: its calls count as cancelled (not errors), and every span of its trace ends`, async (t) => {
    const api = h().api(t, uniqueTenant());
    const { hierarchyId } = await toolHierarchy(api, 200);
    const model = { provider: 'simulated' };
    const before = await scrape(t, api);
    const at = (text: string, name: string, labels: Series = {}) => metricValue(text, name, labels);
    const started = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'Work out 5 * 5' });
    const stream = await openSse(`${h().server.url}${API_PREFIX}/runs/stream`, {
      method: 'POST', body: { id: started.id }, headers: { 'x-tenant-id': api.tenant! },
    });
    // A token streamed: a model call is in flight (200 ms a token) when the run is cancelled.
    const token = await stream.until((f) => f.data.includes('"action":"stream"'));
    t.truthy(token);
    await api.ok('runs/cancel', { id: started.id });
    for await (const _ of stream) {
      // to the terminal event
    }
    const root = `run ${started.id}`;
    const ofRun = () => h().spans.getFinishedSpans().filter((s) => s.attributes['cadre.run_id'] === started.id);
    const spans = await pollUntil(async () => (ofRun().some((s) => s.name === root) ? ofRun() : undefined), 10_000, 'the run span');
    t.is(spans.find((s) => s.name === root)?.attributes['cadre.run_status'], 'cancelled');
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    t.true(spans.length > 1);
    for (const span of spans) {
      if (span.name !== root) t.true(ids.has(span.parentSpanContext!.spanId), `the parent of ${span.name} ended too`);
    }
    const cut = spans.filter((s) => s.attributes['cadre.cancelled'] === true);
    t.true(cut.some((s) => s.attributes['gen_ai.operation.name'] === 'chat'), 'the call in flight ends as cancelled');
    t.true(cut.some((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent'), 'the turns it was part of end as cancelled');

    const after = await pollUntil(async () => {
      const text = await scrape(t, api);
      return at(text, 'cadre_runs_finished_total', { status: 'cancelled' }) > at(before, 'cadre_runs_finished_total', { status: 'cancelled' }) ? text : undefined;
    }, 10_000, 'the run to be counted as cancelled');
    const delta = (name: string, labels: Series = {}) => at(after, name, labels) - at(before, name, labels);
    t.is(delta('cadre_runs_finished_total', { status: 'cancelled' }), 1);
    t.true(delta('cadre_model_calls_total', { ...model, outcome: 'cancelled' }) >= 1);
    t.is(delta('cadre_model_calls_total', { ...model, outcome: 'error' }), 0);
    t.is(delta('cadre_errors_total', { kind: 'MODEL_CALL' }), 0, 'a cancel is no model error');
  });

  test.serial(`${backend}: log lines are JSON with the request id (X-Request-Id in and out), the tenant and the run id`, async (t) => {
    const tenant = uniqueTenant();
    const api = h().api(t, tenant);
    const { hierarchyId } = await toolHierarchy(api, 0);
    const requestId = uniqueName('req');
    const res = await api.post('runs/start', { hierarchy_id: hierarchyId, task: 'Work out 1 + 1' }, { 'x-request-id': requestId });
    t.is(res.status, 200);
    t.is(res.headers.get('x-request-id'), requestId, 'the caller\'s request id is echoed');
    const runId = res.body.data.id as number;
    const fetched = await api.post('runs/get', { id: runId });
    const generated = fetched.headers.get('x-request-id')!;
    t.regex(generated, /^[0-9a-f-]{36}$/, 'a request without an id gets one');
    await finishedRun(api, runId);

    const lines = h().logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    t.true(lines.length > 0);
    const started = lines.find((l) => l.request_id === requestId);
    t.like(started, { level: 'debug', msg: 'request', tenant, run_id: runId, method: 'POST', path: `${API_PREFIX}/runs/start`, status: 200 });
    t.regex(String(started?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    t.like(lines.find((l) => l.request_id === generated), { tenant, run_id: runId, path: `${API_PREFIX}/runs/get` });
  });
}
