import test from 'ava';

/**
 * The viewer's run model (browser JS without DOM, so it runs in Node too): what each agent is
 * doing, from the events alone, and the counters the page shows for gaps and repeats.
 */
// A browser module without type declarations: imported by URL, so it is typed `any` here.
const modelUrl: string = new URL('../src/http/viewer/static/run-model.js', import.meta.url).href;
const { createRunModel, applyEvents, agentTree, pendingRequests } = await import(modelUrl);

const topology = {
  execution_mode: 'sequential',
  global_supervisor: { agent_id: 'g', name: 'Global Supervisor', model: 'm' },
  teams: [{ name: 'T', supervisor: { agent_id: 's', name: 'Supervisor', model: 'm' }, workers: [{ agent_id: 'w', name: 'W', role: 'r', model: 'm' }] }],
};
const sources: Record<string, object> = {
  g: { agent_id: 'g', agent_type: 'global_supervisor', agent_name: 'Global Supervisor', team_name: null },
  s: { agent_id: 's', agent_type: 'team_supervisor', agent_name: 'Supervisor', team_name: 'T' },
  w: { agent_id: 'w', agent_type: 'worker', agent_name: 'W', team_name: 'T' },
};

type Spec = [string | null, string, Record<string, unknown>?];

/** Events numbered from `first` in the order given: [source or null, 'category.action', data]. */
function eventsFrom(first: number, ...specs: Spec[]) {
  return specs.map(([source, type, data = {}], i) => {
    const [category, action] = type.split('.');
    return { run_id: 1, timestamp: new Date(1_000 + i).toISOString(), sequence: first + i, source: source ? sources[source] : null, event: { category, action }, data };
  });
}
const events = (...specs: Spec[]) => eventsFrom(1, ...specs);

function states(model: any): Record<string, string> {
  return Object.fromEntries([...model.agents.values()].map((a: any) => [a.id, a.state]));
}

const opening = events(
  [null, 'lifecycle.started', { task: 'x' }],
  [null, 'system.topology', { topology }],
  ['g', 'llm.reasoning', { content: 'Planning' }],
  ['g', 'llm.tool_call', { tool_name: 'team_T', input: { task: 'y' } }],
  ['g', 'dispatch.team', { team_name: 'T', task: 'y' }],
  ['s', 'dispatch.worker', { team_name: 'T', worker_name: 'W', task: 'z' }],
  ['w', 'llm.stream', { content: 'Hello ' }],
  ['w', 'llm.stream', { content: 'world' }],
  ['w', 'llm.tool_call', { tool_name: 'calculator', input: { expression: '1+1' } }],
);

test('agents move through waiting, thinking, delegating, using a tool and done', (t) => {
  const model = createRunModel();
  applyEvents(model, opening);
  t.deepEqual(states(model), { g: 'delegating', s: 'delegating', w: 'using a tool' });
  const tree = agentTree(model);
  t.is(tree.length, 1);
  t.deepEqual(tree[0].children.map((n: any) => n.agent.id), ['s']);
  t.deepEqual(tree[0].children[0].children.map((n: any) => n.agent.id), ['w']);
  const text = model.agents.get('w').segments.filter((s: any) => s.kind === 'text').map((s: any) => s.content);
  t.deepEqual(text, ['Hello world'], 'streamed tokens join into one text');

  const rest = eventsFrom(opening.length + 1,
    ['w', 'llm.tool_result', { tool_name: 'calculator', result: '2', is_error: false }],
    ['s', 'dispatch.worker_completed', { team_name: 'T', worker_name: 'W', ok: true }],
    ['g', 'dispatch.team_completed', { team_name: 'T', ok: true }],
    [null, 'lifecycle.completed', { result: 'done', statistics: { totals: {} } }],
  );
  applyEvents(model, [rest[0]]);
  t.is(states(model).w, 'thinking', 'back at its model once the tool answered');
  applyEvents(model, [rest[1]]);
  t.deepEqual(states(model), { g: 'delegating', s: 'thinking', w: 'done' });
  applyEvents(model, rest.slice(2));
  t.deepEqual(states(model), { g: 'done', s: 'done', w: 'done' });
  t.is(model.terminal.status, 'completed');
  t.is(model.toolCalls, 2);
});

test('cancel and failure end the busy agents; those never started are skipped', (t) => {
  for (const [action, state] of [['cancelled', 'cancelled'], ['failed', 'failed'], ['completed', 'done']]) {
    const model = createRunModel();
    applyEvents(model, opening.slice(0, 5)); // the worker was never dispatched
    t.is(states(model).w, 'waiting', 'waiting while the run goes on');
    applyEvents(model, eventsFrom(6, [null, `lifecycle.${action}`, { error: 'boom' }]));
    t.deepEqual(states(model), { g: state, s: state, w: 'skipped' }, action);
    t.is(model.terminal.status, action);
  }
});

test('a repeated sequence is dropped and counted, a skipped one is counted as a gap', (t) => {
  const model = createRunModel();
  applyEvents(model, opening.slice(0, 3));
  applyEvents(model, [opening[1], opening[2], opening[4]]);
  t.is(model.duplicates, 2);
  t.is(model.gaps, 1);
  t.deepEqual(model.events.map((e: any) => e.sequence), [1, 2, 3, 5]);
  t.is(model.byCategory.system, 1, 'the repeat was not counted again');
});

test('a run that moved to another process: lifecycle.resumed is recorded as a move, not an end; a restarted turn keeps its agent thinking', (t) => {
  const model = createRunModel();
  applyEvents(model, [...opening, ...eventsFrom(opening.length + 1,
    [null, 'lifecycle.resumed', { resume: 1, from_process: 'host-1', checkpoint_sequence: 2 }],
    ['g', 'llm.turn_restarted', { agent_id: 'g' }],
    ['g', 'llm.stream', { content: 'again' }],
  )]);
  t.is(model.terminal, null, 'a resume is not the end of the run');
  t.deepEqual(model.resumes, [{ sequence: opening.length + 1, resume: 1, fromProcess: 'host-1', checkpointSequence: 2 }]);
  t.is(states(model).g, 'thinking');
  t.is(model.gaps, 0);
});

test('agent.cancelled and a cancelled worker_completed: the agent is cancelled, its outcome with partial output kept; agent.steered joins its transcript', (t) => {
  const model = createRunModel();
  const outcome = { status: 'cancelled', output: null, partial_output: 'Hello wor', usage: { input_tokens: 5, output_tokens: 3, model_calls: 0, tool_calls: 0, cost_usd: 0 }, error: 'agent cancelled (hard)' };
  applyEvents(model, [...opening, ...eventsFrom(opening.length + 1,
    ['s', 'agent.steered', { agent_id: 's', message: 'Prefer 2025', delivery: 'next_model_turn' }],
    ['w', 'agent.cancelled', { agent_id: 'w', mode: 'hard', cancelled_by: 'w', outcome }],
    ['s', 'dispatch.worker_completed', { team_name: 'T', worker_name: 'W', ok: false, status: 'cancelled', outcome }],
  )]);
  t.is(states(model).w, 'cancelled');
  t.is(states(model).s, 'thinking', 'its supervisor goes on');
  t.deepEqual(model.agents.get('w').outcome, outcome);
  t.is(model.agents.get('w').pendingTools, 0);
  const controls = (id: string) => model.agents.get(id).segments.filter((s: any) => s.kind === 'control').map((s: any) => s.content);
  t.deepEqual(controls('w'), ['cancelled (hard)']);
  t.deepEqual(controls('s'), ['steered: Prefer 2025']);
  t.is(model.byCategory.agent, 2);
  t.is(model.terminal, null);
});

test('a worker ended budget_exhausted is failed with its outcome; budget alerts land on the run and on the scope they name', (t) => {
  const model = createRunModel();
  const outcome = { status: 'budget_exhausted', output: null, partial_output: 'part', usage: { input_tokens: 1, output_tokens: 1, model_calls: 2, tool_calls: 0, cost_usd: 0.01 }, error: 'budget exhausted: max_model_calls' };
  applyEvents(model, [...opening, ...eventsFrom(opening.length + 1,
    [null, 'budget.warning', { scope: 'team:T', limit: 'max_model_calls', spent: 2, max: 2 }],
    ['w', 'budget.exhausted', { scope: 'agent:w', limit: 'max_tokens', spent: 100, max: 100 }],
    [null, 'budget.warning', { scope: 'run', limit: 'max_cost_usd', spent: 0.8, max: 1 }],
    ['s', 'dispatch.worker_completed', { team_name: 'T', worker_name: 'W', ok: false, status: 'budget_exhausted', outcome }],
  )]);
  t.is(states(model).w, 'failed');
  t.is(model.agents.get('w').outcome.status, 'budget_exhausted');
  t.is(model.budgetAlerts.length, 3);
  t.deepEqual(model.agents.get('s').budgetAlerts.map((a: any) => [a.level, a.limit]), [['warning', 'max_model_calls']]);
  t.deepEqual(model.agents.get('w').budgetAlerts.map((a: any) => [a.level, a.limit, a.spent, a.max]), [['exhausted', 'max_tokens', 100, 100]]);
  t.deepEqual(model.agents.get('g').budgetAlerts, [], 'the run scope names no agent');
});

test('human.requested puts its agent waiting for input and lists the request until human.responded', (t) => {
  const model = createRunModel();
  const request = { request_id: 'req-1', agent_id: 'w', kind: 'approval', tool_name: 'calculator', arguments: { expression: '1+1' }, question: null, requested_at: '2026-01-01T00:00:00Z' };
  applyEvents(model, [...opening, ...eventsFrom(opening.length + 1, ['w', 'human.requested', request])]);
  t.is(states(model).w, 'waiting input');
  t.deepEqual([...model.humanRequests.keys()], ['req-1']);
  t.is(model.humanRequests.get('req-1').responded, null);
  t.is(model.humanRequests.get('req-1').tool_name, 'calculator');
  applyEvents(model, eventsFrom(opening.length + 2, ['w', 'human.responded', { request_id: 'req-1', approve: true }]));
  t.deepEqual(model.humanRequests.get('req-1').responded, { request_id: 'req-1', approve: true });
  t.is(states(model).w, 'using a tool', 'back at its tool call, approved');
  t.is(model.byCategory.human, 2);
});

test('a request withdrawn (its agent was cancelled) is no longer pending', (t) => {
  const model = createRunModel();
  const request = { request_id: 'req-2', kind: 'question', tool_name: 'ask_human', arguments: { question: 'Which year?' }, question: 'Which year?', requested_at: '2026-01-01T00:00:00Z' };
  applyEvents(model, [...opening, ...eventsFrom(opening.length + 1, ['w', 'human.requested', request])]);
  t.is(model.humanRequests.get('req-2').responded, null);
  applyEvents(model, eventsFrom(opening.length + 2, ['w', 'human.withdrawn', { request_id: 'req-2', tool_name: 'ask_human', tool_call_id: 'c1' }]));
  t.like(model.humanRequests.get('req-2').responded, { request_id: 'req-2' });
  t.not(states(model).w, 'waiting input');
});

test('the pending-inputs panel lists recorded and streamed requests, without answered ones', (t) => {
  const model = createRunModel();
  applyEvents(model, eventsFrom(1,
    ['w', 'human.requested', { request_id: 'a', agent_id: 'w', kind: 'question', question: 'Which year?' }],
    ['w', 'human.requested', { request_id: 'b', agent_id: 'w', kind: 'approval', tool_name: 'x' }],
    ['w', 'human.responded', { request_id: 'b', approve: false }],
  ));
  const run = { pending_inputs: [{ request_id: 'c', agent_id: 'w', kind: 'approval', tool_name: 'y' }, { request_id: 'b', agent_id: 'w', kind: 'approval' }] };
  t.deepEqual(pendingRequests(run, model, new Set()).map((r: any) => r.request_id).sort(), ['a', 'c']);
  t.deepEqual(pendingRequests(run, model, new Set(['c'])).map((r: any) => r.request_id), ['a']);
  t.deepEqual(pendingRequests(null, createRunModel(), new Set()), [], 'no run loaded yet: none');
  // A run that ended leaves nothing to answer.
  applyEvents(model, eventsFrom(4, [null, 'lifecycle.completed', { result: 'r' }]));
  t.deepEqual(pendingRequests({ pending_inputs: [] }, model, new Set()), []);
});
