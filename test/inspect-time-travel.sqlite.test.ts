import test from 'ava';
import { useApiHarness, type Api } from './helpers/api-harness.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { uniqueName } from './helpers/backends.ts';
import { collectUntilClose } from './helpers/sse-client.ts';
import { API_PREFIX } from '../src/http/api-route.ts';

// runs/inspect {id, at_sequence}: the tree as it was at that event, folded from the stored events.
const harness = useApiHarness('sqlite');
const TENANT = 'time-travel';

async function runToEnd(api: Api, params: Record<string, number>, task: string): Promise<{ id: number; events: any[] }> {
  const model = await api.ok('models/create', { name: uniqueName('m'), model_id: 'sim', provider: 'simulated', params });
  const hierarchy = await api.ok('hierarchies/create', sampleHierarchyOn(model.id));
  const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task });
  const stream = await collectUntilClose(`${harness().server.url}${API_PREFIX}/runs/stream?id=${run.id}&tenantId=${TENANT}`);
  const events = stream.frames.filter((f) => f.id !== undefined).map((f) => JSON.parse(f.data));
  return { id: run.id, events };
}

/** Every agent node of a tree, by agent id. */
function agents(tree: any): Map<string, any> {
  const out = new Map<string, any>();
  const visit = (node: any) => {
    if (node.agent_id) out.set(node.agent_id, node);
    node.children.forEach(visit);
  };
  visit(tree);
  return out;
}

test('early the workers have not started; at a dispatch the worker works on its task; at the end every agent completed', async (t) => {
  const api = harness().api(t, TENANT);
  const { id, events } = await runToEnd(api, { token_delay_ms: 0, reply_tokens: 12 }, 'Compare the two offers');
  const last = events.at(-1).sequence;
  t.is(events.at(-1).event.action, 'completed');
  const workers = events.filter((e) => e.event.action === 'worker_completed');
  t.true(workers.length === 3, `${workers.length} worker results`);
  const live = await api.ok('runs/inspect', { id });

  // At the topology (event 2): the tree of every agent, none of them started.
  const early = await api.ok('runs/inspect', { id, at_sequence: 2 });
  t.like(early, { run_id: id, live: false, status: 'running', at_sequence: 2, last_sequence: last });
  t.is(early.tree.id, `run:${id}`);
  const earlyAgents = agents(early.tree);
  t.is(earlyAgents.size, agents(live.tree).size, 'the same agents as the final tree');
  const earlyWorkers = [...earlyAgents.values()].filter((a) => a.kind === 'worker');
  t.is(earlyWorkers.length, 3);
  for (const w of earlyWorkers) t.like(w, { state: 'idle', busy_with: null, outcome: null, stats: { tasks: 0 } });
  // The same ids and shape as runs/inspect's tree.
  t.deepEqual([...earlyAgents.values()].map((a) => a.id).sort(), [...agents(live.tree).values()].map((a) => a.id).sort());

  // At Ada's dispatch she works on its task; the others still wait.
  const dispatch = events.find((e) => e.event.action === 'worker' && e.data.worker_name === 'Ada');
  const at = await api.ok('runs/inspect', { id, at_sequence: dispatch.sequence });
  const ada = [...agents(at.tree).values()].find((a) => a.agent_name === 'Ada');
  t.like(ada, { state: 'working', busy_with: dispatch.data.task, outcome: null, stats: { tasks: 1 } });
  const cy = [...agents(at.tree).values()].find((a) => a.agent_name === 'Cy');
  t.like(cy, { state: 'idle', busy_with: null });
  // A little later she has streamed part of her answer.
  const streamed = events.find((e) => e.sequence > dispatch.sequence && e.event.action === 'stream' && e.source?.agent_name === 'Ada');
  const later = await api.ok('runs/inspect', { id, at_sequence: streamed.sequence });
  t.true(String([...agents(later.tree).values()].find((a) => a.agent_name === 'Ada').output).length > 0);

  // At the end: every agent completed, stopped with the run; the counts are the run's statistics.
  const end = await api.ok('runs/inspect', { id, at_sequence: last });
  t.like(end, { status: 'completed', tree: { status: 'done' } });
  const ended = [...agents(end.tree).values()];
  t.is(ended.length, 6);
  for (const a of ended) {
    t.is(a.status, 'stopped');
    t.is(a.outcome?.status, 'completed', a.agent_name);
  }
  const stats = (await api.ok('runs/get', { id })).statistics.agents;
  for (const a of ended) t.is(a.stats.model_calls, stats[a.agent_id].model_calls);

  // Nothing happened yet at 0; past the last event is refused, naming the field.
  const none = await api.ok('runs/inspect', { id, at_sequence: 0 });
  t.like(none, { status: 'pending', tree: { state: 'boot' } });
  await api.fails('runs/inspect', { id, at_sequence: last + 1 }, 400, 'at_sequence');
  await api.fails('runs/inspect', { id, at_sequence: -1 }, 400, 'at_sequence');
  await harness().api(t, 'another-tenant').fails('runs/inspect', { id, at_sequence: 1 }, 404);
});

test('a 10,000-event run: the tree at its last event is folded from all of them (measured)', async (t) => {
  const api = harness().api(t, TENANT);
  // Three workers of ~3,300 tokens each, plus the supervisors' turns: over 10,000 events.
  const { id, events } = await runToEnd(api, { token_delay_ms: 0, reply_tokens: 3300 }, 'Write it all out');
  const last = events.at(-1).sequence;
  t.true(last >= 10_000, `${last} events`);
  const timings: number[] = [];
  let answer: any;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    answer = await api.ok('runs/inspect', { id, at_sequence: last });
    timings.push(performance.now() - started);
  }
  t.log(`runs/inspect at_sequence ${last} of ${last} events: ${timings.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
  t.is(answer.status, 'completed');
  t.is([...agents(answer.tree).values()].filter((a) => a.outcome?.status === 'completed').length, 6);
  const mid = await api.ok('runs/inspect', { id, at_sequence: Math.floor(last / 2) });
  t.is(mid.status, 'running');
  t.true([...agents(mid.tree).values()].some((a) => a.state === 'working' || a.state === 'thinking'));
});
