import type { RouteExample } from '../../api-route.ts';
import { researchHierarchy } from './hierarchy-examples.ts';
import {
  ada, ANSWER, COMPLETED_AT, eventExample, firstEvents, HIERARCHY_ID, RUN_ID, runViewExample, STARTED_AT, statistics, TASK, THREAD_ID,
} from './example-values.ts';
import { compactEventPageJson } from '../../compact-event-page.ts';

/** The OpenAPI examples of runs/* and POST /execute (see example-values.ts). */

const started = (fields: Record<string, unknown> = {}) => ({
  id: RUN_ID, hierarchy_id: HIERARCHY_ID, thread_id: null, task: TASK, status: 'pending',
  stream_url: `/api/executor/v1/runs/stream?id=${RUN_ID}`, created_at: STARTED_AT, ...fields,
});

const approval = {
  request_id: 'team-analysts-worker-ada/tool-1', agent_id: 'team-analysts-worker-ada', kind: 'approval', tool_name: 'http_request',
  arguments: { method: 'GET', url: 'https://api.example.com/sales/q3' }, question: null, requested_at: '2026-03-14T09:26:58.120Z',
};

const running = { status: 'running', result: null, completed_at: null, statistics: null, duration_ms: null, agent_time_ms: null, input_tokens: null, output_tokens: null, cost_usd: null, error_count: null };

/** A live tree, shortened to the global supervisor and one team (runs/inspect). */
const liveTree = {
  id: `run:${RUN_ID}`, kind: 'run', status: 'active', state: 'running',
  children: [
    { id: 'sink', kind: 'sink', status: 'active', state: null, children: [] },
    {
      id: 'global-supervisor', kind: 'global_supervisor', status: 'active', state: 'waitingForTools', agent_id: 'global-supervisor', agent_name: 'Global Supervisor',
      children: [{
        id: 'team:team-analysts-supervisor', kind: 'team_supervisor', status: 'active', state: 'thinking', agent_id: 'team-analysts-supervisor', agent_name: 'Supervisor', team_name: 'Analysts',
        stats: { tasks: 1, model_calls: 1, input_tokens: 88, output_tokens: 30, tool_calls: 0 }, children: [],
      }],
    },
  ],
};

const frame = (e: { sequence: number; event: { category: string; action: string } }) => `id: ${e.sequence}\nevent: ${e.event.category}.${e.event.action}\ndata: ${JSON.stringify(e)}\n\n`;

/** runs/stream's frames: the first events of run 42, then its end and the closing frame. */
export const streamFrames = [
  ...firstEvents,
  eventExample(356, 'lifecycle', 'completed', { result: ANSWER, statistics }, null, COMPLETED_AT),
].map(frame).join('') + 'event: close\ndata: {}\n\n';

export const runExamples: Record<'start' | 'get' | 'list' | 'cancel' | 'delete' | 'inspect' | 'events' | 'eventsCompact' | 'stream' | 'respond' | 'execute', RouteExample[]> = {
  start: [
    { summary: 'On a hierarchy named research', request: { hierarchy_name: 'research', task: TASK }, response: started() },
    {
      summary: 'By hierarchy id, with its own budget and labels',
      request: { hierarchy_id: HIERARCHY_ID, task: TASK, budget: { max_tokens: 50000, max_cost_usd: 0.5 }, metadata: { ticket: 'OPS-1234' } },
      response: started(),
    },
    {
      summary: "The next turn of a thread, after its live run if it has one",
      request: { thread_id: THREAD_ID, task: 'And how does Q4 look?', multitask_strategy: 'enqueue' },
      response: started({ thread_id: THREAD_ID, task: 'And how does Q4 look?' }),
    },
  ],
  get: [
    { summary: 'A completed run', request: { id: RUN_ID }, response: runViewExample() },
    { summary: 'A run waiting for a human', request: { id: RUN_ID }, response: runViewExample({ status: 'waiting_input', result: null, completed_at: null, statistics: null, duration_ms: null, agent_time_ms: null, input_tokens: null, output_tokens: null, cost_usd: null, error_count: null, pending_inputs: [approval] }) },
  ],
  list: [
    { summary: 'The newest runs', request: { page: 1, size: 20 }, response: [runViewExample()] },
    { summary: "A hierarchy's failed runs", request: { hierarchy_id: HIERARCHY_ID, status: 'failed' }, response: [runViewExample({ status: 'failed', result: null, error: 'team_Analysts: budget exhausted (max_tokens)', error_code: 'budget_exhausted' })] },
  ],
  cancel: [{ summary: 'A running run', request: { id: RUN_ID }, response: runViewExample({ status: 'cancelled', result: null }) }],
  delete: [{ summary: 'A run with its events', request: { id: RUN_ID }, response: { id: RUN_ID, deleted: true } }],
  inspect: [{ summary: 'A running run: its live actor tree', request: { id: RUN_ID }, response: { run_id: RUN_ID, live: true, status: 'running', tree: liveTree } }],
  events: [{
    summary: 'The first three events',
    request: { id: RUN_ID, start_id: '-', end_id: '+', limit: 3 },
    response: { run_id: RUN_ID, events: firstEvents.slice(0, 3).map((e) => ({ id: String(e.sequence), ...e })), count: 3, has_more: true, next_id: '4' },
  }],
  eventsCompact: [{
    summary: 'The first three events, as rows',
    request: { id: RUN_ID, start_id: '-', end_id: '+', limit: 3 },
    response: JSON.parse(compactEventPageJson({
      run_id: RUN_ID, count: 3, has_more: true, next_id: '4',
      events: firstEvents.slice(0, 3).map((e) => ({ sequence: e.sequence, category: e.event.category, action: e.event.action, json: JSON.stringify(e) })),
    })),
  }],
  stream: [
    { summary: 'From the first event', request: { id: RUN_ID } },
    { summary: 'Resume after event 15 (as Last-Event-ID: 15 does)', request: { id: RUN_ID, last_event_id: '15' } },
  ],
  respond: [
    { summary: 'Approve a tool call', request: { id: RUN_ID, request_id: approval.request_id, approve: true }, response: runViewExample(running) },
    { summary: 'Deny it, telling the model why', request: { id: RUN_ID, request_id: approval.request_id, approve: false, message: 'Use the cached report instead.' }, response: runViewExample(running) },
    { summary: 'Answer an ask_human question', request: { id: RUN_ID, request_id: 'team-analysts-worker-ada/tool-2', answer: 'Compare with Q3 of last year.' }, response: runViewExample(running) },
  ],
  execute: [{
    summary: 'A one-team hierarchy inline, answered when the run ends',
    request: { task: TASK, global_supervisor_agent: researchHierarchy.global_supervisor_agent, teams: [researchHierarchy.teams[0]] },
    response: {
      success: true, run_id: RUN_ID, status: 'completed',
      topology: {
        global_supervisor_id: 'global-supervisor',
        teams: [{
          team_id: 'team-1', team_name: 'Analysts', supervisor_id: 'team-analysts-supervisor',
          workers: [{ worker_id: 'team-analysts-worker-ada', worker_name: 'Ada', role: 'data analyst' }, { worker_id: 'team-analysts-worker-bob', worker_name: 'Bob', role: 'statistician' }],
        }],
      },
      events: [firstEvents[0], eventExample(3, 'llm', 'stream', { content: 'EMEA' }, ada), eventExample(99, 'lifecycle', 'completed', { result: ANSWER, statistics }, null, COMPLETED_AT)],
      result: ANSWER, error: null, statistics,
    },
  }],
};
