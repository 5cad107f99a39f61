/**
 * Values the OpenAPI examples share, so one example's answer is the next one's input: the
 * hierarchy `research` (hierarchies/create) on the model `simulated` every tenant has, run 42
 * on it, thread T. Documentation only; test/openapi-manual.test.ts parses every example with
 * its route's schemas.
 */
export const SIM_MODEL_ID = '79a9a45e-f8da-40cb-ac77-7d5d0051c549';
export const OPENAI_MODEL_ID = 'c2d54f0e-8a61-4b7e-9d3a-5e1f2b7c9a04';
export const HIERARCHY_ID = '3064a5ab-b3a4-44ba-8d9a-18d2e2902149';
export const THREAD_ID = 'aa8a9096-c289-43e2-8181-72eb93102287';
export const MCP_SERVER_ID = '96ad56e3-466e-4279-a38d-c18060873047';
export const RUN_ID = 42;
export const TASK = 'Summarise the trends in Q3 sales';

export const CREATED_AT = '2026-03-14T09:26:41.811Z';
export const STARTED_AT = '2026-03-14T09:26:53.589Z';
export const COMPLETED_AT = '2026-03-14T09:27:05.204Z';

export const gs = { agent_id: 'global-supervisor', agent_type: 'global_supervisor', agent_name: 'Global Supervisor', team_name: null };
export const analystsLead = { agent_id: 'team-analysts-supervisor', agent_type: 'team_supervisor', agent_name: 'Supervisor', team_name: 'Analysts' };
export const ada = { agent_id: 'team-analysts-worker-ada', agent_type: 'worker', agent_name: 'Ada', team_name: 'Analysts' };

export const ANSWER = 'Q3 sales grew 12 % year on year, led by the EMEA region; the Writers drafted a two-page summary for the board.';

/** What runs/get and the run's system.topology event carry. */
export const topology = {
  execution_mode: 'parallel',
  enable_context_sharing: true,
  global_supervisor: { agent_id: 'global-supervisor', name: 'Global Supervisor', model: 'simulated' },
  teams: [
    {
      name: 'Analysts', prevent_duplicate: true, share_context: false,
      supervisor: { agent_id: 'team-analysts-supervisor', name: 'Supervisor', model: 'simulated' },
      workers: [
        { agent_id: 'team-analysts-worker-ada', name: 'Ada', model: 'simulated', role: 'data analyst' },
        { agent_id: 'team-analysts-worker-bob', name: 'Bob', model: 'simulated', role: 'statistician' },
      ],
    },
    {
      name: 'Writers', prevent_duplicate: true, share_context: false,
      supervisor: { agent_id: 'team-writers-supervisor', name: 'Supervisor', model: 'simulated' },
      workers: [{ agent_id: 'team-writers-worker-cy', name: 'Cy', model: 'simulated', role: 'technical writer' }],
    },
  ],
};

const totals = {
  tasks: 6, model_calls: 11, input_tokens: 601, output_tokens: 399, reasoning_tokens: 105, cached_input_tokens: 0,
  model_retries: 0, duration_ms: 6269, errors: 0, tool_calls: 5, tool_errors: 0, cost_usd: 0,
};

/** A run's statistics, shortened to the totals and one agent. */
export const statistics = {
  totals,
  agents: {
    'team-analysts-worker-ada': {
      kind: 'worker', agent_name: 'Ada', team_name: 'Analysts', tasks: 1, model_calls: 1, input_tokens: 23, output_tokens: 51,
      duration_ms: 647, errors: 0, tool_calls: 1, tool_errors: 0, cost_usd: 0,
      outcome: { status: 'completed', output: 'EMEA +18 %, Americas +9 %, APAC +6 %', partial_output: null, usage: { input_tokens: 23, output_tokens: 51, model_calls: 1, tool_calls: 1, cost_usd: 0 }, error: null },
    },
  },
  event_count: 356,
};

/** Run 42 as runs/get answers it, with `fields` changed. */
export function runViewExample(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: RUN_ID, hierarchy_id: HIERARCHY_ID, thread_id: null, task: TASK, status: 'completed', result: ANSWER, error: null, error_code: null,
    budget: null, metadata: null, statistics, topology_snapshot: topology, trace_id: null,
    started_at: STARTED_AT, completed_at: COMPLETED_AT, created_at: STARTED_AT,
    resumes: { count: 0, history: [] }, pending_inputs: [],
    duration_ms: 11_600, agent_time_ms: 18_020, input_tokens: 1_204, output_tokens: 856, cost_usd: 0.0021, error_count: 0, completed_with_errors: false,
    ...fields,
  };
}

/** One event of run 42, as runs/events and runs/stream carry it. */
export function eventExample(sequence: number, category: string, action: string, data: Record<string, unknown>, source: Record<string, unknown> | null = null, timestamp = STARTED_AT) {
  return { run_id: RUN_ID, timestamp, sequence, source, event: { category, action }, data };
}

export const firstEvents = [
  eventExample(1, 'lifecycle', 'started', { task: TASK }),
  eventExample(2, 'system', 'topology', { topology }),
  eventExample(3, 'llm', 'stream', { content: 'Let me ' }, gs, '2026-03-14T09:26:53.611Z'),
  eventExample(14, 'llm', 'tool_call', { tool_name: 'team_Analysts', tool_call_id: 'call_7Qd2', tool_count: 1, input: { task: 'Break Q3 sales down by region' } }, gs, '2026-03-14T09:26:54.281Z'),
  eventExample(15, 'dispatch', 'team', { team_name: 'Analysts', task: 'Break Q3 sales down by region', tool_call_id: 'call_7Qd2' }, gs, '2026-03-14T09:26:54.288Z'),
];
