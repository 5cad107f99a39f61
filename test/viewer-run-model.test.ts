import test from 'ava';

/**
 * The viewer's run model (browser JS without DOM, so it runs in Node too): what each agent is
 * doing, from the events alone, and the counters the page shows for gaps and repeats.
 */
// A browser module without type declarations: imported by URL, so it is typed `any` here.
const modelUrl: string = new URL('../src/http/viewer/static/run-model.js', import.meta.url).href;
const { createRunModel, applyEvents, agentTree } = await import(modelUrl);

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

test('cancel and failure end the busy agents; those never started stay waiting', (t) => {
  for (const [action, state] of [['cancelled', 'cancelled'], ['failed', 'failed']]) {
    const model = createRunModel();
    applyEvents(model, opening.slice(0, 5)); // the worker was never dispatched
    applyEvents(model, eventsFrom(6, [null, `lifecycle.${action}`, { error: 'boom' }]));
    t.deepEqual(states(model), { g: state, s: state, w: 'waiting' }, action);
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
