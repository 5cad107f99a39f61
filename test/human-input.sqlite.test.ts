import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';

// Human in the loop on the embedded default (processes on one SQLite file): a run whose worker
// needs a human is parked as a checkpoint (waiting_input, no owner, no slot) and any process
// answers it with runs/respond.
const dbFile = join(tmpdir(), `${uniqueName('cadre_human')}.sqlite`);
// Fast leases: the sweeps that must leave a waiting run alone (and the timeout sweep) run often.
const env = { DATABASE_URL: dbFile, ...COUNTED_ENV, LEASE_HEARTBEAT_MS: '200', LEASE_MS: '1000', LEASE_SWEEP_MS: '200' };
const processes: CadreProcess[] = [];
const fixture = new CountingProviderServer(10, 4, { toolInputs: {
  http_request: () => ({ method: 'GET', url: `${fixtureUrl}/effect` }),
  ask_human: (task) => ({ question: `What colour for ${task.slice(0, 20)}?` }),
} });
let fixtureUrl = '';

test.before(async () => {
  fixtureUrl = await fixture.start();
});

async function start(extra: Record<string, string> = {}): Promise<CadreProcess> {
  const p = await startCadre({ ...env, ...extra });
  processes.push(p);
  return p;
}

// Every test starts from no live process: one left over would sweep the next test's runs with its own settings.
test.afterEach.always(async () => {
  for (const p of processes) await p.kill();
});

test.after.always(async () => {
  for (const p of processes) await p.kill();
  await fixture.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

/** G → team T → one worker W with `tools`, on the counting fixture. */
async function hierarchy(p: CadreProcess, name: string, tools: unknown[]): Promise<string> {
  const model = await p.post('models/create', { name, provider: 'openai-compatible', model_id: 'counted', base_url: `${fixtureUrl}/v1` });
  if (model.status !== 200) throw new Error(`models/create: ${JSON.stringify(model.body)}`);
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name, global_supervisor_agent: agent(`You are G of ${name}.`),
    teams: [{ name: 'T', team_supervisor_agent: agent(`You are T of ${name}.`), workers: [{ name: 'W', role: 'w', ...agent(`You are W of ${name}.`), tools }] }],
  });
  if (h.status !== 200) throw new Error(`hierarchies/create: ${JSON.stringify(h.body)}`);
  return h.body.data.id;
}

async function startRun(p: CadreProcess, hierarchyId: string, task: string): Promise<number> {
  const res = await p.post('runs/start', { hierarchy_id: hierarchyId, task });
  if (res.status !== 200) throw new Error(`runs/start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id as number;
}

const getRun = async (p: CadreProcess, id: number) => (await p.post('runs/get', { id })).body.data;
const untilWaiting = (p: CadreProcess, id: number) => pollUntil(`run ${id} waiting for input`, 30_000, async () => {
  const run = await getRun(p, id);
  return run.status === 'waiting_input' ? run : undefined;
}, 100);
const untilEnded = (p: CadreProcess, id: number) => pollUntil(`run ${id} to end`, 30_000, async () => {
  const run = await getRun(p, id);
  return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
}, 100);

/** The worker's requests after its tool call was answered (what its model was told the tool gave). */
const workerToolResults = (name: string) =>
  fixture.requests.filter((r) => r.worker && r.key.startsWith(`You are W of ${name}. `) && r.toolResults.length > 0).map((r) => r.toolResults.at(-1));

test.serial('approval across kill -9 of every process: the waiting run is a checkpoint, answered from another process, and the tool runs exactly once', async (t) => {
  // The first start migrates a fresh database alone; later ones start together (seconds each on a loaded machine).
  const first = await start();
  const second = await start();
  const h = await hierarchy(first, 'approve', [{ name: 'http_request', approval: 'always' }]);
  const id = await startRun(first, h, 'fetch the thing');
  const waiting = await untilWaiting(second, id);
  t.is(waiting.pending_inputs.length, 1);
  const [request] = waiting.pending_inputs;
  t.like(request, { kind: 'approval', tool_name: 'http_request', question: null, arguments: { method: 'GET', url: `${fixtureUrl}/effect` } });
  t.regex(request.agent_id, /worker/);
  t.is(fixture.effects, 0, 'the call waiting for approval did not run');
  const requested = (await allEvents(second, id)).filter((e) => e.event.category === 'human' && e.event.action === 'requested');
  t.is(requested.length, 1);
  t.like(requested[0]!.data, { request_id: request.request_id, kind: 'approval', tool_name: 'http_request' });
  t.is((await first.post('runs/list', { status: 'waiting_input' })).body.data.content.map((r: { id: number }) => r.id).includes(id), true);

  // Every process dies; two new ones start on the same file. Their recovery and lease sweeps leave the waiting run be.
  await first.kill();
  await second.kill();
  const [third, fourth] = await Promise.all([start(), start()]);
  const until = Date.now() + 2000;
  while (Date.now() < until) {
    const run = await getRun(third, id);
    t.is(run.status, 'waiting_input', 'no sweep or recovery treats a waiting run as lost');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.is(fixture.effects, 0);

  const missing = await fourth.post('runs/respond', { id, request_id: request.request_id });
  t.is(missing.status, 400);
  t.regex(missing.body.error, /^approve: /);
  const unknown = await fourth.post('runs/respond', { id, request_id: 'nobody/tool:9', approve: true });
  t.is(unknown.status, 404);
  t.is(unknown.body.error_code, 'INPUT_REQUEST_NOT_FOUND');

  const answered = await fourth.post('runs/respond', { id, request_id: request.request_id, approve: true });
  t.is(answered.status, 200, JSON.stringify(answered.body));
  t.is(answered.body.data.status, 'running');
  t.deepEqual(answered.body.data.pending_inputs, []);
  const again = await third.post('runs/respond', { id, request_id: request.request_id, approve: true });
  t.is(again.status, 409);

  const run = await untilEnded(third, id);
  t.is(run.status, 'completed', String(run.error));
  t.is(fixture.effects, 1, 'the approved tool ran exactly once');
  const told = workerToolResults('approve');
  t.is(told.length, 1);
  t.regex(told[0]!, /^HTTP 200[\s\S]*effect 1$/);
  const events = await settledEvents(third, id);
  t.is(checkLog(events), null);
  const responded = events.filter((e) => e.event.category === 'human' && e.event.action === 'responded');
  t.is(responded.length, 1);
  t.like(responded[0]!.data, { request_id: request.request_id, approved: true });
  const result = events.find((e) => e.event.action === 'tool_result' && e.data.tool_name === 'http_request');
  t.like(result?.data, { is_error: false });
  t.is(events.filter((e) => e.event.action === 'tool_result' && e.data.tool_name === 'http_request').length, 1);
});

test.serial('deny: the model is told "denied by a human" with the message; the tool never runs', async (t) => {
  const p = await start();
  const h = await hierarchy(p, 'deny', [{ name: 'http_request', approval: 'always' }]);
  const id = await startRun(p, h, 'fetch nothing');
  const [request] = (await untilWaiting(p, id)).pending_inputs;
  const effects = fixture.effects;
  const res = await p.post('runs/respond', { id, request_id: request.request_id, approve: false, message: 'not today' });
  t.is(res.status, 200, JSON.stringify(res.body));
  const run = await untilEnded(p, id);
  t.is(run.status, 'completed', String(run.error));
  t.is(fixture.effects, effects);
  t.deepEqual(workerToolResults('deny'), ['denied by a human: not today']);
  const events = await settledEvents(p, id);
  t.is(checkLog(events), null);
  t.like(events.find((e) => e.event.action === 'tool_result')?.data, { is_error: true, result: 'denied by a human: not today' });
});

test.serial('ask_human: the answer is the tool result, and the run time limit pauses while it waits', async (t) => {
  const p = await start({ RUN_TIMEOUT_MS: '3000' });
  const h = await hierarchy(p, 'question', ['ask_human']);
  const id = await startRun(p, h, 'paint it');
  const waiting = await untilWaiting(p, id);
  const [request] = waiting.pending_inputs;
  t.like(request, { kind: 'question', tool_name: 'ask_human' });
  t.regex(request.question, /^What colour for /);
  const wrong = await p.post('runs/respond', { id, request_id: request.request_id, approve: true });
  t.is(wrong.status, 400);
  t.regex(wrong.body.error, /^answer: /);
  // Longer than the run's time limit: the wait does not count against it.
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    t.is((await getRun(p, id)).status, 'waiting_input');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const res = await p.post('runs/respond', { id, request_id: request.request_id, answer: 'blue' });
  t.is(res.status, 200, JSON.stringify(res.body));
  const run = await untilEnded(p, id);
  t.is(run.status, 'completed', String(run.error));
  t.deepEqual(workerToolResults('question'), ['blue']);
  t.regex(run.result, /sums up/);
  const events = await settledEvents(p, id);
  t.is(checkLog(events), null);
  t.like(events.find((e) => e.event.category === 'human' && e.event.action === 'responded')?.data, { answer: 'blue', kind: 'question' });
});

test.serial('HUMAN_INPUT_TIMEOUT_MS ends a run waiting too long: failed "input timed out", with its terminal event, pending cleared', async (t) => {
  const [p, other] = await Promise.all([start({ HUMAN_INPUT_TIMEOUT_MS: '1500' }), start({ HUMAN_INPUT_TIMEOUT_MS: '1500' })]);
  const h = await hierarchy(p, 'timeout', ['ask_human']);
  const id = await startRun(p, h, 'wait forever');
  const [request] = (await untilWaiting(p, id)).pending_inputs;
  const run = await untilEnded(other, id);
  t.like(run, { status: 'failed', error: 'input timed out', pending_inputs: [] });
  const events = await settledEvents(p, id);
  t.is(checkLog(events), null);
  t.like(events.at(-1), { event: { category: 'lifecycle', action: 'failed' }, data: { error: 'input timed out' } });
  t.is(events.filter((e) => e.event.action === 'failed').length, 1, 'ended once across both processes');
  const late = await p.post('runs/respond', { id, request_id: request.request_id, answer: 'too late' });
  t.is(late.status, 409);
});

test.serial('another tenant can neither see nor answer a waiting run (404); a waiting run holds no slot', async (t) => {
  const p = await start({ MAX_CONCURRENT_RUNS: '1' });
  const h = await hierarchy(p, 'tenants', [{ name: 'http_request', approval: 'always' }]);
  const plain = await hierarchy(p, 'plain', []);
  const id = await startRun(p, h, 'guarded');
  const [request] = (await untilWaiting(p, id)).pending_inputs;
  const get = await p.post('runs/get', { id, tenantId: 'intruder' });
  t.is(get.status, 404);
  const respond = await p.post('runs/respond', { id, request_id: request.request_id, approve: true, tenantId: 'intruder' });
  t.is(respond.status, 404);
  t.is(respond.body.error_code, 'RUN_NOT_FOUND');
  // With one slot, another run executes while this one waits.
  const next = await startRun(p, plain, 'meanwhile');
  t.is((await untilEnded(p, next)).status, 'completed');
  t.is((await getRun(p, id)).status, 'waiting_input');
  const effects = fixture.effects;
  t.is((await p.post('runs/respond', { id, request_id: request.request_id, approve: true })).status, 200);
  t.is((await untilEnded(p, id)).status, 'completed');
  t.is(fixture.effects, effects + 1);
});

test.serial('a waiting run can be cancelled: it ends cancelled with its terminal event', async (t) => {
  const p = await start();
  const h = await hierarchy(p, 'cancelled', ['ask_human']);
  const id = await startRun(p, h, 'never mind');
  await untilWaiting(p, id);
  const res = await p.post('runs/cancel', { id });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.like(res.body.data, { status: 'cancelled', pending_inputs: [] });
  const events = await settledEvents(p, id);
  t.is(checkLog(events), null);
  t.is(events.at(-1)!.event.action, 'cancelled');
});

/** A parallel team on the simulated model: Asker calls ask_human at once, Writer answers in about 40 tokens of `tokenDelayMs`. */
async function parallelHierarchy(p: CadreProcess, name: string, tokenDelayMs: number): Promise<string> {
  const model = await p.post('models/create', { name, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: tokenDelayMs, reply_tokens: 40 } });
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name, execution_mode: 'parallel', global_supervisor_agent: agent('You coordinate.'),
    teams: [{ name: 'T', team_supervisor_agent: agent('You lead.'), workers: [
      { name: 'Asker', role: 'asks', ...agent('You ask.'), tools: ['ask_human'] },
      { name: 'Writer', role: 'writes', ...agent('You write.') },
    ] }],
  });
  if (h.status !== 200) throw new Error(`hierarchies/create: ${JSON.stringify(h.body)}`);
  return h.body.data.id;
}

test.serial('parallel mode: the other workers go on first; the run waits (and parks) once nothing else works', async (t) => {
  const p = await start();
  const id = await startRun(p, await parallelHierarchy(p, 'parallel-human', 40), 'plan the launch');
  const waiting = await untilWaiting(p, id);
  const events = await allEvents(p, id);
  const asked = events.find((e) => e.event.category === 'human' && e.event.action === 'requested');
  const written = events.find((e) => e.event.action === 'worker_completed' && e.data.worker_name === 'Writer');
  t.truthy(asked);
  t.truthy(written, 'the other worker completed before the run parked');
  t.true(asked!.sequence < written!.sequence, 'it went on after the request');
  t.is(waiting.pending_inputs.length, 1);
  t.like(waiting.pending_inputs[0], { kind: 'question', tool_name: 'ask_human' });
  const res = await p.post('runs/respond', { id, request_id: waiting.pending_inputs[0].request_id, answer: 'next Tuesday' });
  t.is(res.status, 200, JSON.stringify(res.body));
  const run = await untilEnded(p, id);
  t.is(run.status, 'completed', String(run.error));
  const all = await settledEvents(p, id);
  t.is(checkLog(all), null);
  t.like(all.find((e) => e.event.action === 'tool_result' && e.data.tool_name === 'ask_human')?.data, { is_error: false, result: 'next Tuesday' });
  t.is(all.filter((e) => e.event.action === 'worker_completed').length, 2);
});

test.serial('kill -9 while a request is open but another worker still works: resumed elsewhere, the run parks there once that worker is done', async (t) => {
  const first = await start();
  const id = await startRun(first, await parallelHierarchy(first, 'killed-asking', 80), 'plan the relaunch');
  await pollUntil('the request, with the writer still at work', 30_000, async () => {
    const events = await allEvents(first, id);
    return events.some((e) => e.event.category === 'human' && e.event.action === 'requested') ? true : undefined;
  }, 50);
  t.false((await allEvents(first, id)).some((e) => e.event.action === 'worker_completed'), 'killed before the writer finished');
  t.is((await getRun(first, id)).status, 'running');
  await first.kill();
  const second = await start();
  const waiting = await untilWaiting(second, id);
  t.is(waiting.resumes.count, 1, 'resumed from its checkpoint after the loss');
  t.like(waiting.pending_inputs[0], { kind: 'question', tool_name: 'ask_human' });
  const res = await second.post('runs/respond', { id, request_id: waiting.pending_inputs[0].request_id, answer: 'in spring' });
  t.is(res.status, 200, JSON.stringify(res.body));
  const run = await untilEnded(second, id);
  t.is(run.status, 'completed', String(run.error));
  const events = await settledEvents(second, id);
  t.is(checkLog(events), null);
  t.is(events.filter((e) => e.event.action === 'worker_completed').length, 2);
  t.like(events.find((e) => e.event.action === 'tool_result' && e.data.tool_name === 'ask_human')?.data, { result: 'in spring' });
});
