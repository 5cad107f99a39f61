import test from 'ava';
import { toStoredEvent, type EventCategory, type RunEvent, type StoredEvent } from '../src/events/run-event.ts';
import { TraceBuilder } from '../src/events/trace-builder.ts';
import { spanDetailCollector } from '../src/events/trace-span-detail.ts';
import type { TraceSpan } from '../src/events/trace-span.ts';

/**
 * The trace builder over a known event list: a global supervisor delegating to team Alpha, whose
 * supervisor hands Ada (one calculator call, two model calls) and Bob (whose call fails) a task
 * each at once.
 */
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const AGENTS = {
  g: { agent_id: 'g', agent_type: 'global_supervisor', agent_name: 'Global Supervisor', team_name: null },
  s: { agent_id: 's', agent_type: 'team_supervisor', agent_name: 'Supervisor', team_name: 'Alpha' },
  a: { agent_id: 'a', agent_type: 'worker', agent_name: 'Ada', team_name: 'Alpha' },
  b: { agent_id: 'b', agent_type: 'worker', agent_name: 'Bob', team_name: 'Alpha' },
} as const;
const topology = {
  global_supervisor: { agent_id: 'g', name: 'Global Supervisor' },
  teams: [{ name: 'Alpha', supervisor: { agent_id: 's', name: 'Supervisor' }, workers: [{ agent_id: 'a', name: 'Ada' }, { agent_id: 'b', name: 'Bob' }] }],
};
const user = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] });
const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, reasoning_tokens: 0, cached_input_tokens: 0 });
const started = (id: string, at: number, extra: Record<string, unknown> = {}) => ({
  call_id: id, model: 'sim-model', provider: 'simulated', model_id: 'sim', messages_from: 0, messages: [user(`task of ${id}`)], tools: [], started_at: new Date(T0 + at).toISOString(), ...extra,
});
const ok = (id: string, u = usage(10, 5), cost = 0.01) => ({ call_id: id, status: 'ok', usage: u, cost_usd: cost, duration_ms: 5, retries: 0, finish: { reason: 'stop', text_chars: 4, tool_calls: 0 } });

type Row = [at: number, who: keyof typeof AGENTS | null, type: string, data: Record<string, unknown>];
const rows: Row[] = [
  [0, null, 'lifecycle.started', { task: 'Add two and two' }],
  [1, null, 'system.topology', { topology }],
  [10, 'g', 'llm.call_started', started('g#1', 2, { system: 'You coordinate.', tools: ['team_Alpha'] })],
  [11, 'g', 'llm.stream', { content: 'Delegating.' }],
  [20, 'g', 'llm.call_completed', ok('g#1')],
  [21, 'g', 'llm.tool_call', { tool_name: 'team_Alpha', tool_call_id: 'c1', tool_count: 1, input: { task: 'add' } }],
  [22, 'g', 'dispatch.team', { team_name: 'Alpha', task: 'add', tool_call_id: 'c1' }],
  [30, 's', 'llm.call_started', started('s#1', 25)],
  [40, 's', 'llm.call_completed', ok('s#1', usage(20, 10), 0.02)],
  [41, 's', 'llm.tool_call', { tool_name: 'worker_Ada', tool_call_id: 'c2', tool_count: 1, input: { task: 'add' } }],
  [41, 's', 'llm.tool_call', { tool_name: 'worker_Bob', tool_call_id: 'c3', tool_count: 2, input: { task: 'check' } }],
  [42, 's', 'dispatch.worker', { team_name: 'Alpha', worker_name: 'Ada', task: 'add', tool_call_id: 'c2' }],
  [42, 's', 'dispatch.worker', { team_name: 'Alpha', worker_name: 'Bob', task: 'check', tool_call_id: 'c3' }],
  [50, 'a', 'llm.call_started', started('a#1', 45, { system: 'You are Ada.', tools: ['calculator'] })],
  [51, 'b', 'llm.call_started', started('b#1', 46)],
  [60, 'b', 'llm.call_completed', { call_id: 'b#1', status: 'failed', usage: usage(0, 0), cost_usd: 0, duration_ms: 14, retries: 2, error: 'boom' }],
  [61, 'a', 'llm.stream', { content: 'Using the calculator.' }],
  [62, 'a', 'llm.call_completed', ok('a#1', usage(5, 5), 0.005)],
  [63, 'a', 'llm.tool_call', { tool_name: 'calculator', tool_call_id: 't1', tool_count: 1, input: { expression: '2+2' }, tool_source: 'builtin' }],
  [64, 's', 'dispatch.worker_completed', { team_name: 'Alpha', worker_name: 'Bob', tool_call_id: 'c3', ok: false, status: 'failed', outcome: { status: 'failed', error: 'boom' }, deduplicated: false, duration_ms: 22 }],
  [80, 'a', 'llm.tool_result', { tool_name: 'calculator', tool_call_id: 't1', is_error: false, result: '4', tool_source: 'builtin', duration_ms: 3 }],
  [81, 'a', 'llm.call_started', started('a#2', 81, {
    messages_from: 1,
    messages: [
      { role: 'assistant', content: [{ type: 'text', text: 'Using the calculator.' }, { type: 'tool-call', toolCallId: 't1', toolName: 'calculator', input: { expression: '2+2' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'calculator', output: { type: 'text', value: '4' } }] },
    ],
  })],
  [85, 'a', 'llm.stream', { content: 'It is 4.' }],
  [90, 'a', 'llm.call_completed', ok('a#2', usage(7, 3), 0.007)],
  [91, 's', 'dispatch.worker_completed', { team_name: 'Alpha', worker_name: 'Ada', tool_call_id: 'c2', ok: true, status: 'completed', outcome: { status: 'completed', output: 'It is 4.' }, deduplicated: false, duration_ms: 49 }],
  [92, 's', 'llm.tool_result', { tool_name: 'worker_Ada', tool_call_id: 'c2', is_error: false, result: 'It is 4.' }],
  [92, 's', 'llm.tool_result', { tool_name: 'worker_Bob', tool_call_id: 'c3', is_error: true, result: 'boom' }],
  [93, 's', 'llm.call_started', started('s#2', 93, { messages_from: 1, messages: [] })],
  [100, 's', 'llm.call_completed', ok('s#2')],
  [101, 'g', 'dispatch.team_completed', { team_name: 'Alpha', tool_call_id: 'c1', ok: true, status: 'completed', outcome: { status: 'completed', output: '4' }, deduplicated: false, duration_ms: 79 }],
  [102, 'g', 'llm.tool_result', { tool_name: 'team_Alpha', tool_call_id: 'c1', is_error: false, result: '4' }],
  [103, 'g', 'llm.call_started', started('g#2', 103, { messages_from: 1, messages: [] })],
  [110, 'g', 'llm.call_completed', ok('g#2')],
  [120, null, 'lifecycle.completed', { result: '4', statistics: {} }],
];

function eventsOf(list: Row[]): StoredEvent[] {
  return list.map(([at, who, type, data], i) => {
    const [category, action] = type.split('.') as [EventCategory, string];
    const event: RunEvent = { run_id: 7, timestamp: new Date(T0 + at).toISOString(), sequence: i + 1, source: who ? AGENTS[who] : null, event: { category, action }, data };
    return toStoredEvent(event);
  });
}

function build(list: Row[], options: { now?: number; maxSpans?: number } = {}) {
  const builder = new TraceBuilder({ topology: null, ...(options.maxSpans !== undefined && { maxSpans: options.maxSpans }) });
  const events = eventsOf(list);
  // Fed a page at a time, as the service reads them.
  builder.add(events.slice(0, 10));
  builder.add(events.slice(10));
  return builder.result(T0 + (options.now ?? 1000));
}

const byId = (spans: TraceSpan[]) => new Map(spans.map((s) => [s.span_id, s]));

test('an ended run: one span per task, model call and tool call, nested as the actor tree, with figures and errors', (t) => {
  const trace = build(rows);
  const tree = trace.spans.map((s) => [s.span_id, s.parent_id, s.kind, s.status]);
  t.deepEqual(tree, [
    ['run', null, 'run', 'ok'],
    ['task:g#1', 'run', 'agent_task', 'ok'],
    ['call:g#1', 'task:g#1', 'model_call', 'ok'],
    ['task:s#1', 'task:g#1', 'agent_task', 'ok'],
    ['call:s#1', 'task:s#1', 'model_call', 'ok'],
    ['task:a#1', 'task:s#1', 'agent_task', 'ok'],
    ['task:b#1', 'task:s#1', 'agent_task', 'error'],
    ['call:a#1', 'task:a#1', 'model_call', 'ok'],
    ['call:b#1', 'task:b#1', 'model_call', 'error'],
    ['tool:a#1', 'task:a#1', 'tool_call', 'ok'],
    ['call:a#2', 'task:a#1', 'model_call', 'ok'],
    ['call:s#2', 'task:s#1', 'model_call', 'ok'],
    ['call:g#2', 'task:g#1', 'model_call', 'ok'],
  ]);
  const spans = byId(trace.spans);
  t.like(spans.get('run'), { start: '2026-01-01T00:00:00.000Z', start_ms: 0, end_ms: 120, duration_ms: 120, attributes: { task: 'Add two and two' } });
  t.like(spans.get('task:s#1'), { name: 'team Alpha', agent_name: 'Supervisor', team_name: 'Alpha', start_ms: 22, end_ms: 101, attributes: { task: 'add', delegated_by: 'g', outcome: 'completed' } });
  t.like(spans.get('task:b#1'), { name: 'Bob', error: 'boom', attributes: { outcome: 'failed' } });
  // A call begins when it was made (started_at), not when its first deltas went out with its event.
  t.like(spans.get('call:g#1'), { name: 'sim-model', start_ms: 2, end_ms: 20, usage: usage(10, 5), cost_usd: 0.01, attributes: { call_id: 'g#1', provider: 'simulated', finish_reason: 'stop' } });
  t.like(spans.get('call:b#1'), { error: 'boom', attributes: { retries: 2 } });
  // The turn's results go out together: the tool's own duration says when it ended.
  t.like(spans.get('tool:a#1'), { name: 'calculator', start_ms: 63, end_ms: 66, attributes: { input: { expression: '2+2' }, result: '4', tool_source: 'builtin' } });
  // A task's figures are its subtree's: the supervisor's own calls and its workers'.
  t.deepEqual(spans.get('task:s#1')!.usage, usage(20 + 5 + 0 + 7 + 10, 10 + 5 + 0 + 3 + 5));
  t.is(Math.round(spans.get('task:s#1')!.cost_usd! * 1000), 20 + 5 + 7 + 10);
  t.deepEqual(spans.get('run')!.usage, usage(trace.totals.input_tokens, trace.totals.output_tokens));
  t.like(trace.totals, {
    wall_ms: 120, model_calls: 7, tool_calls: 1, errors: 2, spans: 13,
    input_tokens: 10 + 20 + 5 + 0 + 7 + 10 + 10, output_tokens: 5 + 10 + 5 + 0 + 3 + 5 + 5, tool_ms: 3,
  });
  // Agents' time summed is apart from (and here above) the wall time: Ada and Bob worked at once.
  t.is(trace.totals.agent_task_ms, 120 + 79 + 49 + 22);
  t.like(trace, { started_at: '2026-01-01T00:00:00.000Z', ended_at: '2026-01-01T00:00:00.120Z', now_ms: 120, truncated: false, last_sequence: rows.length });
});

test('a live run: the spans in progress are open and the figures run to now', (t) => {
  const trace = build(rows.slice(0, 15), { now: 70 });
  const open = trace.spans.filter((s) => s.status === 'running').map((s) => s.span_id);
  t.deepEqual(open, ['run', 'task:g#1', 'task:s#1', 'task:a#1', 'task:b#1', 'call:a#1', 'call:b#1']);
  for (const span of trace.spans.filter((s) => s.status === 'running')) t.like(span, { end: null, end_ms: null, duration_ms: null });
  t.like(trace, { ended_at: null, now_ms: 70 });
  t.is(trace.totals.wall_ms, 70);
});

test('a cancelled agent ends its call in flight; the run\'s end ends whatever is left open', (t) => {
  const cut: Row[] = [...rows.slice(0, 15), [55, null, 'agent.cancelled', { agent_id: 'a', mode: 'hard', cancelled_by: 'a', outcome: { status: 'cancelled' } }],
    [70, null, 'lifecycle.failed', { error: 'the run timed out' }]];
  const spans = byId(build(cut).spans);
  t.like(spans.get('call:a#1'), { status: 'cancelled', end_ms: 55 });
  t.like(spans.get('call:b#1'), { status: 'cancelled', end_ms: 70 });
  t.like(spans.get('run'), { status: 'error', error: 'the run timed out', end_ms: 70 });
  t.like(spans.get('task:g#1'), { status: 'error' });
  t.like(spans.get('task:a#1'), { status: 'cancelled' });
});

test('a model call issued again after a resume stays one span, restarted; a repeated dispatch opens no second task', (t) => {
  const moved: Row[] = [
    ...rows.slice(0, 15),
    [56, null, 'lifecycle.resumed', { resume: 1, from_process: 'p1', checkpoint_sequence: 12 }],
    [57, 's', 'dispatch.worker', { team_name: 'Alpha', worker_name: 'Ada', task: 'add', tool_call_id: 'c2' }],
    [58, 'a', 'llm.turn_restarted', { agent_id: 'a', reason: 'moved' }],
    [59, 'a', 'llm.call_started', started('a#1', 58, { system: 'You are Ada.', tools: ['calculator'], restarted: true })],
    ...rows.slice(15),
  ];
  const trace = build(moved);
  const spans = byId(trace.spans);
  t.is(trace.spans.filter((s) => s.kind === 'agent_task' && s.agent_id === 'a').length, 1);
  t.like(spans.get('call:a#1'), { status: 'ok', start_ms: 45, attributes: { restarts: 1 } });
  t.like(spans.get('run'), { attributes: { resumes: 1 } });
  t.deepEqual(trace.spans.filter((s) => s.status === 'running'), []);
});

test('a supervisor call answered without a child is a tool call of its own; a wait for a human nests under its tool call', (t) => {
  const extra: Row[] = [
    ...rows.slice(0, 19),
    [63, 'a', 'human.requested', { request_id: 'a/tool:1', kind: 'approval', tool_name: 'calculator', tool_call_id: 't1', arguments: {}, question: null }],
    [70, 'a', 'human.responded', { request_id: 'a/tool:1', kind: 'approval', tool_name: 'calculator', tool_call_id: 't1', approved: true }],
    ...rows.slice(19, 25),
    [92, 's', 'llm.tool_call', { tool_name: 'worker_Zed', tool_call_id: 'c9', tool_count: 3, input: { task: 'x' } }],
    [92, 's', 'llm.tool_result', { tool_name: 'worker_Zed', tool_call_id: 'c9', is_error: true, result: 'unknown tool "worker_Zed"' }],
    ...rows.slice(25),
  ];
  const spans = byId(build(extra).spans);
  t.like(spans.get('human:a/tool:1'), { kind: 'human_wait', parent_id: 'tool:a#1', status: 'ok', start_ms: 63, end_ms: 70, attributes: { approved: true } });
  // Approved at 70: the tool ran from then, for its 3 ms.
  t.like(spans.get('tool:a#1'), { end_ms: 73 });
  t.like(spans.get('delegation:s#3'), { kind: 'tool_call', parent_id: 'task:s#1', status: 'error', error: 'unknown tool "worker_Zed"' });
});

test('past the span bound the trace says it is truncated', (t) => {
  const trace = build(rows, { maxSpans: 5 });
  t.is(trace.spans.length, 5);
  t.true(trace.truncated);
  t.false(build(rows).truncated);
});

test("a span's detail: a model call's whole input rebuilt from its agent's deltas, its output and tool calls; a tool call's input and result", (t) => {
  const events = eventsOf(rows);
  const spans = byId(build(rows).spans);
  const detailOf = (id: string) => {
    const collector = spanDetailCollector(spans.get(id)!);
    for (const e of events.filter((x) => x.sequence >= collector.from)) {
      collector.add([e]);
      if (collector.done) break;
    }
    return collector.result();
  };
  const second = detailOf('call:a#2');
  t.is(second.system, 'You are Ada.');
  t.deepEqual((second.messages as Array<{ role: string }>).map((m) => m.role), ['user', 'assistant', 'tool']);
  t.deepEqual(second.messages![0], user('task of a#1'));
  t.is(second.output_text, 'It is 4.');
  t.deepEqual(second.tool_calls, []);
  const first = detailOf('call:a#1');
  t.like(first, { output_text: 'Using the calculator.', tool_calls: [{ tool_call_id: 't1', tool_name: 'calculator', input: { expression: '2+2' } }] });
  t.is(first.messages!.length, 1);
  t.like(detailOf('tool:a#1'), { input: { expression: '2+2' }, result: '4', is_error: false, tool_source: 'builtin' });
  t.like(detailOf('task:b#1'), { task: 'check', outcome: { status: 'failed', error: 'boom' } });
  t.like(detailOf('run'), { task: 'Add two and two', result: '4' });
});
