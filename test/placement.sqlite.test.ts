import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { collectUntilClose, eventFrames } from './helpers/sse-client.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { checkpointsInSqliteFile, checkWorkerAnswers, COUNTED_ENV, countedHierarchy, workersUnderCheckpoints } from './helpers/durable-checks.ts';

// Without Redis: several Cadre processes on one SQLite file, each run owned by the process that
// accepted it, under that process's lease (heartbeat 2 s, lease 6 s, sweep every 2 s).
const dbFile = join(tmpdir(), `${uniqueName('cadre_placement')}.sqlite`);
const env = { DATABASE_URL: dbFile, ...COUNTED_ENV };
const processes: CadreProcess[] = [];
let hierarchyId = '';
/** The model server the durable tests' agents call (≈ 7 s a run), counting what each is asked. */
const fixture = new CountingProviderServer(40, 30);
let fixtureUrl = '';
test.before(async () => {
  fixtureUrl = await fixture.start();
});

async function start(): Promise<CadreProcess> {
  const p = await startCadre(env);
  processes.push(p);
  return p;
}

test.after.always(async () => {
  for (const p of processes) {
    if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill('SIGCONT');
    await p.kill();
  }
  await fixture.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

async function startRun(p: CadreProcess, task: string, hierarchy = hierarchyId): Promise<number> {
  const res = await p.post('runs/start', { hierarchy_id: hierarchy, task });
  if (res.status !== 200) throw new Error(`runs/start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id as number;
}

const statusOf = async (p: CadreProcess, id: number) => (await p.post('runs/get', { id })).body.data;
const untilStatus = (p: CadreProcess, id: number, wanted: (s: string) => boolean, ms: number) =>
  pollUntil(`run ${id}`, ms, async () => { const run = await statusOf(p, id); return wanted(run.status) ? run : undefined; });
/** Waits until the run has streamed some model output (it is mid-run). */
const untilStreaming = (p: CadreProcess, id: number) =>
  pollUntil(`run ${id} streaming`, 20_000, async () => ((await allEvents(p, id)).some((e) => e.event.category === 'llm') ? true : undefined));

test.serial('a second process on the same database leaves the first one\'s live runs alone; they complete gap-free', async (t) => {
  const first = await start();
  const model = await first.post('models/create', {
    name: 'paced', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 150, reply_tokens: 12 },
  });
  const h = await first.post('hierarchies/create', {
    name: 'placement', global_supervisor_agent: { system_prompt: 'g', llm_config: { model_id: model.body.data.id } },
    teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 't', llm_config: { model_id: model.body.data.id } },
      workers: [{ name: 'W', role: 'r', system_prompt: 'w', llm_config: { model_id: model.body.data.id } }] }],
  });
  hierarchyId = h.body.data.id;
  const ids = await Promise.all([1, 2, 3, 4].map((i) => startRun(first, `task ${i}`)));
  await Promise.all(ids.map((id) => untilStreaming(first, id)));

  const second = await start();
  t.false(second.logs.some((l) => l.includes('ended runs left unfinished')), 'the second start-up ended nothing');
  const health = (await (await fetch(`${second.url}/health`)).json()) as { data: { placement: { ok: boolean; detail: string } } };
  t.like(health.data.placement, { ok: true, detail: `process ${second.processId}; runs placed by this process` });
  for (const id of ids) t.is((await statusOf(second, id)).status, 'running');

  // The second process streams the first one's live runs (read back from the log) to their end.
  const streamFrom = (p: CadreProcess, id: number) => collectUntilClose(`${p.url}/api/executor/v1/runs/stream`, { method: 'POST', body: { id } });
  const streams = await Promise.all(ids.map((id) => streamFrom(second, id)));
  const ended = await Promise.all(ids.map((id) => untilStatus(second, id, (s) => s !== 'running' && s !== 'pending', 60_000)));
  for (const [i, stream] of streams.entries()) {
    const frames = eventFrames(stream.frames);
    t.true(frames.length > 0);
    t.deepEqual(frames.map((f) => Number(f.id)), frames.map((_, k) => k + 1), `run ${ids[i]} streamed 1..n from the other process`);
    t.is(frames.at(-1)?.event, 'lifecycle.completed');
    t.is(stream.frames.at(-1)?.event, 'close');
    const fromOwner = eventFrames((await streamFrom(first, ids[i]!)).frames);
    t.deepEqual(frames.map((f) => f.data), fromOwner.map((f) => f.data), 'the same events as from the owner');
  }
  t.true(ended.length === 4);
  for (const run of ended) t.is(run.status, 'completed', `run ${run.id}: ${run.error}`);
  for (const id of ids) t.is(checkLog(await settledEvents(second, id)), null, `run ${id}`);
});

test.serial('a run is inspected live and cancelled from a process that does not execute it; cancel answers once it took effect', async (t) => {
  const [first, second] = processes as [CadreProcess, CadreProcess];
  const id = await startRun(first, 'to be cancelled elsewhere');
  await untilStreaming(first, id);
  // Without Redis the owner answers through the database with its next heartbeat.
  const inspected = await second.post('runs/inspect', { id });
  t.is(inspected.status, 200);
  t.like(inspected.body.data, { run_id: id, live: true, status: 'running', tree: { id: `run:${id}`, kind: 'run' } });
  t.true(inspected.body.data.tree.children.length > 0);
  const res = await second.post('runs/cancel', { id });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.is(res.body.data.status, 'cancelled');
  const events = await settledEvents(second, id);
  t.is(checkLog(events), null);
  t.is(events.at(-1)!.event.action, 'cancelled');
  t.is((await second.post('runs/cancel', { id })).status, 409);
});

test.serial('kill -9 of a process: another resumes its runs from their checkpoints and they complete; finished worker answers are not asked again', async (t) => {
  const [first, second] = processes as [CadreProcess, CadreProcess];
  const h = await countedHierarchy(first, 'crash', fixtureUrl);
  const tasks = [1, 2, 3, 4].map((i) => `[doomed ${i}]`);
  const doomed = await Promise.all(tasks.map((task) => startRun(first, task, h)));
  const others = await Promise.all([1, 2].map((i) => startRun(second, `[survivor ${i}]`, h)));
  // Mid-run: some doomed run has a checkpoint (read from the shared file) covering a finished
  // worker, so the resume must not ask that worker again; a sent answer alone is not enough, as
  // on a loaded machine its checkpoint may still be on its way when the process is killed.
  await pollUntil('a checkpoint covering a finished worker', 60_000, async () => (await workersUnderCheckpoints(first, doomed, checkpointsInSqliteFile(dbFile))) > 0 ? true : undefined, 100);
  await first.kill();
  const killedAt = Date.now();
  const takeovers = await Promise.all(doomed.map(async (id) => {
    await pollUntil(`run ${id} to resume`, 30_000, async () => ((await allEvents(second, id)).some((e) => e.event.action === 'resumed') ? true : undefined), 100);
    return Date.now() - killedAt;
  }));
  t.log(`takeover (kill -9 → lifecycle.resumed) of ${doomed.length} runs: min ${Math.min(...takeovers)} ms, max ${Math.max(...takeovers)} ms`);
  let covered = 0;
  for (const [i, id] of doomed.entries()) {
    const run = await untilStatus(second, id, (s) => s !== 'running' && s !== 'pending', 60_000);
    t.is(run.status, 'completed', `run ${id}: ${run.error}`);
    t.is(run.resumes.count, 1);
    t.like(run.resumes.history[0], { from_process: first.processId, to_process: second.processId });
    const events = await settledEvents(second, id);
    t.is(checkLog(events), null, `run ${id}`);
    t.is(events.filter((e) => e.event.action === 'resumed').length, 1);
    t.is(events.filter((e) => e.event.category === 'lifecycle' && e.event.action === 'started').length, 1);
    const answers = checkWorkerAnswers(fixture, tasks[i]!, run, events);
    t.is(answers.error, null, `run ${id}`);
    covered += answers.covered;
  }
  t.log(`${covered} finished worker answers were covered by a checkpoint (not asked again)`);
  t.true(covered > 0, 'some run was between its workers at the kill');
  const done = await Promise.all(others.map((id) => untilStatus(second, id, (s) => s !== 'running' && s !== 'pending', 60_000)));
  for (const run of done) t.like(run, { status: 'completed', resumes: { count: 0 } });
  const running = await second.post('runs/list', { page: 1, size: 100, status: 'running' });
  t.is(running.body.data.totalElements, 0, 'no run stays running');
});

test.serial('fencing: a process frozen past its lease, then let go, writes nothing past the takeover; the run is resumed elsewhere and completes', async (t) => {
  const second = processes[1]!;
  const frozen = await start();
  const h = await countedHierarchy(frozen, 'frozen', fixtureUrl);
  const task = '[frozen owner]';
  const id = await startRun(frozen, task, h);
  await untilStreaming(frozen, id);
  frozen.child.kill('SIGSTOP');
  const frozenAt = Date.now();
  await pollUntil('the run to resume', 30_000, async () => ((await allEvents(second, id)).some((e) => e.event.action === 'resumed') ? true : undefined), 100);
  t.log(`takeover (SIGSTOP → lifecycle.resumed): ${Date.now() - frozenAt} ms`);
  frozen.child.kill('SIGCONT');
  // The process let go finds its lease lapsed (heartbeat refused) and stops its runs without writing.
  await pollUntil('the resumed process to notice its lapsed lease', 15_000, async () =>
    (frozen.logs.some((l) => l.includes('lease lapsed')) ? true : undefined));
  const run = await untilStatus(second, id, (s) => s !== 'running' && s !== 'pending', 60_000);
  t.is(run.status, 'completed', String(run.error));
  t.like(run.resumes, { count: 1, history: [{ to_process: second.processId }] });
  const events = await settledEvents(second, id);
  t.is(checkLog(events), null);
  t.is(events.filter((e) => e.event.action === 'resumed').length, 1);
  t.is(checkWorkerAnswers(fixture, task, run, events).error, null);
  // It serves again (under a new id); the run is as the other process recorded it.
  t.is((await frozen.post('runs/get', { id })).status, 200);
  t.deepEqual((await allEvents(frozen, id)).map((e) => e.sequence), events.map((e) => e.sequence), 'nothing after the end');
  t.deepEqual(await statusOf(second, id), run, 'the recorded end is unchanged');
  // And it still executes new runs.
  const fresh = await startRun(frozen, 'after the freeze');
  t.is((await untilStatus(frozen, fresh, (s) => s !== 'running' && s !== 'pending', 60_000)).status, 'completed');
  t.is(checkLog(await settledEvents(frozen, fresh)), null);
});
