import type { RouteExample } from '../../api-route.ts';
import { RUN_ID } from './example-values.ts';

/**
 * The OpenAPI examples of runs/trace, runs/trace/span and runs/inspect/stream: taken from a real
 * run of the simulated model (a global supervisor, one team, its worker Ada with a calculator),
 * shortened to a few spans and frames.
 */

const T0 = '2026-03-14T09:26:53.584Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const usage = (input_tokens: number, output_tokens: number, reasoning_tokens = 0) => ({ input_tokens, output_tokens, reasoning_tokens, cached_input_tokens: 0 });
const ADA = 'team-analysts-worker-ada';
const ADA_TASK = '[Team: Analysts | Worker: Ada] data analyst: Summarise the trends in Q3 sales';

const span = (fields: Record<string, unknown>, startMs: number, endMs: number | null) => ({
  agent_id: ADA, agent_name: 'Ada', team_name: 'Analysts', status: endMs === null ? 'running' : 'ok', cost_usd: 0.000155, error: null,
  start: at(startMs), start_ms: startMs, end: endMs === null ? null : at(endMs), end_ms: endMs, duration_ms: endMs === null ? null : endMs - startMs,
  ...fields,
});

const adaCall = span({
  span_id: `call:${ADA}#1`, parent_id: `task:${ADA}#1`, kind: 'model_call', name: 'gpt-4o-mini', usage: usage(24, 15, 10),
  attributes: {
    call_id: `${ADA}#1`, model: 'gpt-4o-mini', provider: 'openai', model_id: 'gpt-4o-mini', messages_from: 0, new_messages: 1, tools: ['calculator'],
    retries: 0, reported_duration_ms: 155, finish_reason: 'tool-calls', text_chars: 17, tool_calls: 1,
  },
  first_sequence: 39, last_sequence: 52,
}, 612, 767);

const spans = [
  {
    span_id: 'run', parent_id: null, kind: 'run', agent_id: null, agent_name: null, team_name: null, name: 'run', status: 'ok',
    usage: usage(239, 194, 63), cost_usd: 0.00212, error: null, attributes: { task: 'Summarise the trends in Q3 sales' },
    first_sequence: 1, last_sequence: 187, start: at(0), start_ms: 0, end: at(2040), end_ms: 2040, duration_ms: 2040,
  },
  span({
    span_id: `task:${ADA}#1`, parent_id: 'task:team-analysts-supervisor#1', kind: 'agent_task', name: 'Ada', usage: usage(64, 66, 21), cost_usd: 0.00061,
    attributes: { task: ADA_TASK, tool_call_id: 'call_worker_Ada_1', delegated_by: 'team-analysts-supervisor', outcome: 'completed' },
    first_sequence: 38, last_sequence: 108,
  }, 611, 1297),
  adaCall,
  span({
    span_id: `tool:${ADA}#1`, parent_id: `task:${ADA}#1`, kind: 'tool_call', name: 'calculator', usage: null, cost_usd: null,
    attributes: { tool_call_id: 'call_calculator_1', tool_source: 'builtin', input: { expression: '2 + 2' }, result: '4' },
    first_sequence: 53, last_sequence: 54,
  }, 768, 771),
];

export const traceExamples: Record<'trace' | 'span', RouteExample[]> = {
  trace: [{
    summary: 'An ended run (4 of its 11 spans shown)',
    request: { id: RUN_ID },
    response: {
      run_id: RUN_ID, status: 'completed', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', trace_url: null, started_at: at(0), ended_at: at(2040), now_ms: 2040,
      spans,
      totals: {
        wall_ms: 2040, agent_task_ms: 4137, model_ms: 2017, tool_ms: 3, input_tokens: 239, output_tokens: 194, reasoning_tokens: 63, cached_input_tokens: 0,
        cost_usd: 0.00212, model_calls: 6, tool_calls: 1, errors: 0, spans: 11,
      },
      truncated: false, last_sequence: 187,
    },
  }],
  span: [{
    summary: "A worker's model call: its whole input, output, reasoning and tool calls",
    request: { id: RUN_ID, span_id: `call:${ADA}#1` },
    response: {
      run_id: RUN_ID,
      span: adaCall,
      detail: {
        system: 'You are Ada, a data analyst.',
        messages: [{ role: 'user', content: [{ type: 'text', text: ADA_TASK }] }],
        output_text: 'Using calculator.',
        reasoning: 'The sales need a sum first.',
        tool_calls: [{ tool_call_id: 'call_calculator_1', tool_name: 'calculator', input: { expression: '2 + 2' } }],
      },
    },
  }],
};

const wire = (e: Record<string, unknown>, id: number) => ({ ...e, createdAt: String(Date.parse(T0) + id), id: String(id), _version: '0.7.2' });

/** The first frames of runs/inspect/stream for a live run: its actors, then what they receive. */
export const inspectionFrames = [
  wire({ type: '@xstate.actor', name: `run:${RUN_ID}`, sessionId: `run:${RUN_ID}`, rootId: `run:${RUN_ID}`, snapshot: { status: 'active', value: 'running', context: { kind: 'run' } } }, 1),
  wire({
    type: '@xstate.actor', name: `agent:${ADA}`, sessionId: `agent:${ADA}`, parentId: 'agent:team-analysts-supervisor', rootId: `run:${RUN_ID}`,
    snapshot: { status: 'active', value: 'idle', context: { agent: { agentId: ADA, name: 'Ada' }, messages: '[0 messages]' } },
  }, 2),
  wire({ type: '@xstate.event', sessionId: `agent:${ADA}`, sourceId: 'agent:team-analysts-supervisor', rootId: `run:${RUN_ID}`, event: { type: 'TASK', task: ADA_TASK } }, 3),
  wire({
    type: '@xstate.snapshot', sessionId: `agent:${ADA}`, rootId: `run:${RUN_ID}`, event: { type: 'TASK', task: ADA_TASK },
    snapshot: { status: 'active', value: 'thinking', context: { agent: { agentId: ADA, name: 'Ada' }, messages: '[1 message]' } },
  }, 4),
].map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');

export const inspectStreamExamples: RouteExample[] = [{ summary: 'Watch a live run', request: { id: RUN_ID } }];
