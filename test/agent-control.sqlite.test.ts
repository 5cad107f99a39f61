import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';

// Control of one agent of a live run, through a real HTTP model server that sees every request
// (and when a client closes one early): cancel (hard and graceful) and steer, by agent id.
const dbFile = join(tmpdir(), `${uniqueName('cadre_agents')}.sqlite`);
/** Workers stream 60 pieces 40 ms apart (≈ 2.4 s): time to act on one mid-stream. */
const parallel = new CountingProviderServer(40, 60, { parallel: true });
const sequential = new CountingProviderServer(40, 60);
let p: CadreProcess;
const urls = { parallel: '', sequential: '' };

test.before(async () => {
  urls.parallel = await parallel.start();
  urls.sequential = await sequential.start();
  p = await startCadre({ DATABASE_URL: dbFile, ...COUNTED_ENV });
});

test.after.always(async () => {
  await p?.kill();
  await parallel.close();
  await sequential.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

const WORKERS = ['A', 'B', 'C'];

async function hierarchy(name: string, fixtureUrl: string, mode: 'parallel' | 'sequential'): Promise<string> {
  const model = await p.post('models/create', { name, provider: 'openai-compatible', model_id: 'counted', base_url: `${fixtureUrl}/v1` });
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name, execution_mode: mode, global_supervisor_agent: agent(`You are G of ${name}.`),
    teams: [{ name: 'T', team_supervisor_agent: agent(`You are T of ${name}.`), workers: WORKERS.map((w) => ({ name: w, role: w, ...agent(`You are ${w} of ${name}.`) })) }],
  });
  if (h.status !== 200) throw new Error(JSON.stringify(h.body));
  return h.body.data.id;
}

async function startRun(hierarchyId: string, task: string): Promise<{ id: number; agents: Map<string, string> }> {
  const res = await p.post('runs/start', { hierarchy_id: hierarchyId, task });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  const run = (await p.post('runs/get', { id: res.body.data.id })).body.data;
  const topology = run.topology_snapshot;
  const agents = new Map<string, string>([['G', topology.global_supervisor.agent_id], ['T', topology.teams[0].supervisor.agent_id]]);
  for (const w of topology.teams[0].workers) agents.set(w.name, w.agent_id);
  return { id: run.id, agents };
}

const untilEnded = (id: number) => pollUntil(`run ${id} to end`, 60_000, async () => {
  const run = (await p.post('runs/get', { id })).body.data;
  return run.status !== 'running' && run.status !== 'pending' ? run : undefined;
});

/** Waits until the agent streamed some text in the run (it is mid-call). */
const untilStreaming = (id: number, agentId: string) => pollUntil(`${agentId} streaming`, 30_000, async () =>
  ((await allEvents(p, id)).some((e) => e.event.action === 'stream' && (e as any).source?.agent_id === agentId) ? true : undefined), 50);

test('hard cancel of one worker of a parallel team mid-stream: its call is closed, its partial text kept; siblings and the run complete', async (t) => {
  const h = await hierarchy('hard', urls.parallel, 'parallel');
  const task = '[hard cancel]';
  const { id, agents } = await startRun(h, task);
  const b = agents.get('B')!;
  await untilStreaming(id, b);
  const res = await p.post('runs/agents/cancel', { id, agent_id: b, mode: 'hard' });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.like(res.body.data, { run_id: id, agent_id: b, status: 'stopped', outcome: { status: 'cancelled', output: null } });
  // What it had streamed: a non-empty beginning of its answer, not the whole of it.
  const full = 'You are B of hard. answers. '.padEnd(360, '.');
  const partial = String(res.body.data.outcome.partial_output);
  t.true(partial.length > 0 && partial.length < full.length && full.startsWith(partial), partial);

  const run = await untilEnded(id);
  t.is(run.status, 'completed', String(run.error));
  const requestsOf = (w: string) => parallel.requests.filter((r) => r.key.startsWith(`You are ${w} of hard.`) && r.key.includes(task));
  t.is(requestsOf('B').length, 1);
  t.truthy(requestsOf('B')[0]!.abortedAt, "B's model call was closed by the cancel");
  t.is(requestsOf('B')[0]!.finishedAt, undefined);
  for (const w of ['A', 'C']) {
    t.is(requestsOf(w).length, 1);
    t.truthy(requestsOf(w)[0]!.finishedAt, `${w} streamed its whole answer`);
  }
  const stats = run.statistics.agents;
  t.is(stats[b].outcome.status, 'cancelled');
  t.is(stats[agents.get('A')!].outcome.status, 'completed');
  t.is(stats[agents.get('T')!].outcome.status, 'completed');

  const events = await settledEvents(p, id);
  t.is(checkLog(events), null);
  const cancelled = events.filter((e) => e.event.category === 'agent' && e.event.action === 'cancelled');
  t.is(cancelled.length, 1);
  t.like(cancelled[0]!.data, { agent_id: b, mode: 'hard', cancelled_by: b, outcome: { status: 'cancelled' } });
  const completion = events.find((e) => e.event.action === 'worker_completed' && e.data.worker_name === 'B');
  t.like(completion?.data, { ok: false, status: 'cancelled', outcome: { status: 'cancelled' } });
  // The team supervisor's model got B's outcome as a structured tool result.
  const summary = parallel.requests.filter((r) => r.key.startsWith('You are T of hard.') && r.key.includes(task)).at(-1)!;
  const toolTexts = summary.messages.filter((m) => m.role === 'tool').map((m) => m.text);
  t.true(toolTexts.length === 3, JSON.stringify(summary.messages));
  t.true(toolTexts.some((x) => x.includes('"status":"cancelled"') && x.includes(`"partial_output":${JSON.stringify(partial)}`)), JSON.stringify(toolTexts));

  // Stopped for good: a second cancel or a steer of it is a conflict.
  const again = await p.post('runs/agents/cancel', { id, agent_id: b });
  t.is(again.status, 409);
});

test('graceful cancel lets the call in progress finish: its whole text is the partial output; the run completes', async (t) => {
  const h = await hierarchy('graceful', urls.parallel, 'parallel');
  const task = '[graceful cancel]';
  const { id, agents } = await startRun(h, task);
  const c = agents.get('C')!;
  await untilStreaming(id, c);
  const res = await p.post('runs/agents/cancel', { id, agent_id: c, mode: 'graceful' });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.like(res.body.data, { status: 'stopped', outcome: { status: 'cancelled' } });
  const call = parallel.requests.find((r) => r.key.startsWith('You are C of graceful.') && r.key.includes(task))!;
  t.truthy(call.finishedAt, 'its model call streamed to its end');
  t.is(call.abortedAt, undefined);
  t.is(res.body.data.outcome.partial_output, 'You are C of graceful. answers. '.padEnd(360, '.'));
  t.is(res.body.data.outcome.usage.model_calls, 1);
  const run = await untilEnded(id);
  t.is(run.status, 'completed');
  t.is(run.statistics.agents[c].outcome.status, 'cancelled');
});

test('steer: the message reaches the agent\'s next model turn as a user message, recorded as agent.steered', async (t) => {
  const h = await hierarchy('steer', urls.sequential, 'sequential');
  const task = '[steer]';
  const { id, agents } = await startRun(h, task);
  const lead = agents.get('T')!;
  // While the team's first worker answers, its supervisor waits: its next turn gets the message.
  await untilStreaming(id, agents.get('A')!);
  const message = 'Prefer the 2025 figures.';
  const res = await p.post('runs/agents/steer', { id, agent_id: lead, message });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.deepEqual(res.body.data, { run_id: id, agent_id: lead, status: 'steered' });
  const run = await untilEnded(id);
  t.is(run.status, 'completed');
  const turns = sequential.requests.filter((r) => r.key.startsWith('You are T of steer.') && r.key.includes(task));
  t.true(turns.length >= 2);
  const steeredAt = turns.findIndex((r) => r.messages.some((m) => m.role === 'user' && m.text === message));
  t.true(steeredAt >= 1, 'a later turn carries the message');
  t.false(turns[0]!.messages.some((m) => m.text === message), 'not the turn already made');
  // Every turn after it keeps it in the conversation, once.
  for (const turn of turns.slice(steeredAt)) t.is(turn.messages.filter((m) => m.text === message).length, 1);
  const events = await settledEvents(p, id);
  const steered = events.filter((e) => e.event.category === 'agent' && e.event.action === 'steered');
  t.is(steered.length, 1);
  t.like(steered[0]!.data, { agent_id: lead, message });
});

test('hard cancel of a team supervisor stops its whole subtree; the global supervisor goes on and completes the run', async (t) => {
  const h = await hierarchy('subtree', urls.sequential, 'sequential');
  const task = '[subtree]';
  const { id, agents } = await startRun(h, task);
  const lead = agents.get('T')!;
  await untilStreaming(id, agents.get('A')!);
  const res = await p.post('runs/agents/cancel', { id, agent_id: lead });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.like(res.body.data, { agent_id: lead, status: 'stopped', outcome: { status: 'cancelled' } });
  const run = await untilEnded(id);
  t.is(run.status, 'completed', String(run.error));
  const a = sequential.requests.find((r) => r.key.startsWith('You are A of subtree.') && r.key.includes(task))!;
  t.truthy(a.abortedAt, "the worker's call in flight was closed");
  t.false(sequential.requests.some((r) => r.key.startsWith('You are B of subtree.') && r.key.includes(task)), 'no later worker was asked');
  const events = await settledEvents(p, id);
  const cancelled = events.filter((e) => e.event.category === 'agent' && e.event.action === 'cancelled');
  t.deepEqual(cancelled.map((e) => e.data.agent_id).sort(), [lead, ...['A', 'B', 'C'].map((w) => agents.get(w)!)].sort());
  t.true(cancelled.every((e) => e.data.cancelled_by === lead));
  const team = events.find((e) => e.event.action === 'team_completed');
  t.like(team?.data, { ok: false, status: 'cancelled' });
});

test('unknown agent, another tenant, an ended run, bad input: 404 / 409 / 400 with clear codes', async (t) => {
  const h = await hierarchy('errors', urls.sequential, 'sequential');
  const { id, agents } = await startRun(h, '[errors]');
  const unknown = await p.post('runs/agents/cancel', { id, agent_id: 'no-such-agent' });
  t.is(unknown.status, 404);
  t.is(unknown.body.error_code, 'AGENT_NOT_FOUND');
  const other = await p.post('runs/agents/steer', { id, agent_id: agents.get('A'), message: 'hi', tenantId: 'someone-else' });
  t.is(other.status, 404);
  t.is(other.body.error_code, 'RUN_NOT_FOUND');
  const noMessage = await p.post('runs/agents/steer', { id, agent_id: agents.get('A'), message: '  ' });
  t.is(noMessage.status, 400);
  t.regex(JSON.stringify(noMessage.body), /message/);
  const badMode = await p.post('runs/agents/cancel', { id, agent_id: agents.get('A'), mode: 'soft' });
  t.is(badMode.status, 400);
  t.regex(JSON.stringify(badMode.body), /mode/);
  await untilEnded(id);
  const ended = await p.post('runs/agents/cancel', { id, agent_id: agents.get('A') });
  t.is(ended.status, 409);
  t.is(ended.body.error_code, 'RUN_ALREADY_ENDED');
});
