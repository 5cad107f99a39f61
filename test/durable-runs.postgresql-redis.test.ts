import test, { type ExecutionContext } from 'ava';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createTestDatabase, deleteRedisKeys, serverDatabaseUrl, type TestDatabase, uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { checkWorkerAnswers, COUNTED_ENV, countedHierarchy, workersUnderCheckpoints } from './helpers/durable-checks.ts';
import { ExecutionRun, RunCheckpoint } from '../src/store/entities/index.ts';
import { eventFrames, openSse, type SseStream } from './helpers/sse-client.ts';

// Durable runs across three Cadre processes on one PostgreSQL database with Redis (a BullMQ run
// queue and Redis Streams of their own prefix). Their agents call a real HTTP model server (the
// counting fixture), which shows whether a finished worker answer was ever asked for again.
const redisUrl = process.env.CADRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `${uniqueName('cadre_test')}:`;
/** Where the run queue's keys live under REDIS_KEY_PREFIX. */
const prefix = `${keyPrefix}cadre`;
let db: TestDatabase;
let env: Record<string, string> = {};
const processes: CadreProcess[] = [];
/** ≈ 7 s a run: five supervisor turns and two worker answers of ≈ 1.4 s, one after the other. */
// Worker answers of ≈ 3.6 s: a run (two workers after one another) is still live when the kill lands on a loaded machine.
const paced = new CountingProviderServer(40, 90);
let pacedUrl = '';

test.before(async () => {
  pacedUrl = await paced.start();
  db = await createTestDatabase('postgresql');
  env = {
    DATABASE_URL: serverDatabaseUrl('postgresql', (db.config as { dbName: string }).dbName), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix,
    MAX_CONCURRENT_RUNS: '20', ...COUNTED_ENV,
  };
  for (let i = 0; i < 3; i++) processes.push(await startCadre(env));
});

test.after.always(async () => {
  for (const p of processes) await p.kill();
  await paced.close();
  await db?.drop();
  await deleteRedisKeys(redisUrl, keyPrefix);
});

const alive = () => processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);

async function ownersOf(ids: number[]): Promise<Map<number, string | null>> {
  const rows = await db.store.orm.em.fork().find(ExecutionRun, { id: { $in: ids } }, { filters: false, fields: ['id', 'owner'] });
  return new Map(rows.map((r) => [Number(r.id), r.owner ?? null]));
}

/** The runs' stored checkpoints: run id → the last sequence each covers. */
async function checkpointsOf(ids: number[]): Promise<Map<number, number>> {
  const rows = await db.store.orm.em.fork().find(RunCheckpoint, { runId: { $in: ids } }, { fields: ['runId', 'sequence'] });
  return new Map(rows.map((r) => [Number(r.runId), r.sequence]));
}

/** Starts one run per task through the live processes in turn; returns their ids in order. */
async function startRuns(hierarchyId: string, tasks: string[]): Promise<number[]> {
  const live = alive();
  return Promise.all(tasks.map(async (task, i) => {
    const res = await live[i % live.length]!.post('runs/start', { hierarchy_id: hierarchyId, task });
    if (res.status !== 200) throw new Error(`runs/start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data.id as number;
  }));
}

const untilTaken = (ids: number[]) => pollUntil(`${ids.length} runs to be taken`, 30_000, async () => {
  const map = await ownersOf(ids);
  return map.size === ids.length && [...map.values()].every((o) => o !== null) ? map : undefined;
});

const untilEnded = (p: () => CadreProcess, id: number, ms = 90_000) => pollUntil(`run ${id} to end`, ms, async () => {
  const run = (await p().post('runs/get', { id })).body.data;
  return run.status !== 'running' && run.status !== 'pending' ? run : undefined;
}, 500);

/** Every run completed gap-free with one start and one end, each worker asked as often as it may be. */
async function checkCompleted(t: ExecutionContext, reader: () => CadreProcess, fixture: CountingProviderServer, ids: number[], tasks: string[]) {
  let covered = 0;
  for (const [i, id] of ids.entries()) {
    const run = await untilEnded(reader, id);
    t.is(run.status, 'completed', `run ${id}: ${run.error}`);
    const events = await settledEvents(reader(), id);
    t.is(checkLog(events), null, `run ${id}`);
    t.is(events.filter((e) => e.event.category === 'lifecycle' && e.event.action === 'started').length, 1, `run ${id} started once`);
    t.is(events.filter((e) => e.event.action === 'resumed').length, run.resumes.count, `run ${id}: one lifecycle.resumed per resume ${JSON.stringify(run.resumes.history)}`);
    t.false(events.some((e) => e.event.action === 'cancelled'), `run ${id}: nothing cancelled`);
    const answers = checkWorkerAnswers(fixture, tasks[i]!, run, events);
    t.is(answers.error, null, `run ${id}`);
    covered += answers.covered;
  }
  return covered;
}

test.serial('kill -9 of an owner: its runs are resumed elsewhere and complete; finished worker answers are not asked again; a survivor streams each across the move', async (t) => {
  const h = await countedHierarchy(processes[0]!, 'crash', pacedUrl);
  const tasks = Array.from({ length: 24 }, (_, i) => `[crash ${i}]`);
  const ids = await startRuns(h, tasks);
  const owners = await untilTaken(ids);
  // Mid-run: about one worker answer per run was sent (most runs are between their two workers).
  await pollUntil('worker answers to be sent', 60_000, async () =>
    (paced.requests.filter((r) => r.worker && r.finishedAt !== undefined).length >= ids.length ? true : undefined), 100);
  const held = (p: CadreProcess) => ids.filter((id) => owners.get(id) === p.processId).length;
  const victim = [...processes].sort((x, y) => held(y) - held(x))[0]!;
  const survivor = processes.find((p) => p !== victim)!;
  const victims = ids.filter((id) => owners.get(id) === victim.processId);
  t.true(victims.length > 0 && victims.length < ids.length, `${victims.length} runs on the victim`);
  let doomed = victims;
  // A sent answer's checkpoint may still be on its way on a loaded machine: kill once one is stored.
  await pollUntil('a checkpoint covering a finished worker', 60_000, async () =>
    ((await workersUnderCheckpoints(survivor, doomed, await checkpointsOf(doomed))) > 0 ? true : undefined), 100);
  // A survivor streams each doomed run from before the kill to its end, on one connection.
  const streams = new Map<number, SseStream>();
  for (const id of doomed) streams.set(id, await openSse(`${survivor.url}/api/executor/v1/runs/stream`, { method: 'POST', body: { id } }));
  await victim.kill();
  const killedAt = Date.now();
  // A run the victim finished before the kill landed (a loaded machine is slow to get here) had nothing to resume.
  const endedBefore = new Set<number>();
  for (const id of victims) {
    const run = (await survivor.post('runs/get', { id })).body.data;
    if (run.completed_at && Date.parse(run.completed_at) <= killedAt && run.resumes.count === 0) endedBefore.add(id);
  }
  doomed = victims.filter((id) => !endedBefore.has(id));
  if (endedBefore.size > 0) t.log(`${endedBefore.size} of the victim's runs had ended before the kill`);
  t.true(doomed.length > 0, 'some run was live on the victim at the kill');
  const takeovers = await Promise.all(doomed.map(async (id) => {
    const resumed = await Promise.race([streams.get(id)!.until((f) => f.event === 'lifecycle.resumed'),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000))]);
    return resumed ? Date.now() - killedAt : Number.NaN;
  }));
  t.log(`takeover (kill -9 → lifecycle.resumed seen by a survivor's stream) of ${doomed.length} runs: min ${Math.min(...takeovers)} ms, max ${Math.max(...takeovers)} ms`);
  for (const [i, id] of doomed.entries()) {
    if (!Number.isNaN(takeovers[i]!)) continue;
    const s = streams.get(id)!;
    t.log(`run ${id}: stream ended ${s.ended}, last frames ${JSON.stringify(s.frames.slice(-3))}, run ${JSON.stringify((await survivor.post('runs/get', { id })).body.data)}`);
    t.log((await allEvents(survivor, id)).map((e) => `${e.sequence} ${e.event.category}.${e.event.action}`).join(', '));
  }
  t.false(takeovers.some(Number.isNaN), 'every doomed run resumed within 60 s');

  const covered = await checkCompleted(t, () => survivor, paced, ids, tasks);
  t.log(`${covered} finished worker answers of the killed process's runs were covered by a checkpoint (not asked again)`);
  t.true(covered > 0, 'some doomed run was between its workers at the kill');
  for (const id of doomed) {
    const run = (await survivor.post('runs/get', { id })).body.data;
    t.is(run.resumes.count, 1, `run ${id}`);
    t.like(run.resumes.history[0], { from_process: victim.processId });
    t.not(run.resumes.history[0].to_process, victim.processId);
    const stream = streams.get(id)!;
    for await (const _ of stream) { /* to its end */ }
    const frames = eventFrames(stream.frames);
    t.deepEqual(frames.map((f) => Number(f.id)), frames.map((_, k) => k + 1), `run ${id}: streamed 1..n across the move`);
    t.is(frames.at(-1)?.event, 'lifecycle.completed');
    t.is(stream.frames.at(-1)?.event, 'close');
    t.is(frames.length, (await allEvents(survivor, id)).length, `run ${id}: the stream carried the whole log`);
  }
  for (const id of ids.filter((x) => !doomed.includes(x))) t.is((await survivor.post('runs/get', { id })).body.data.resumes.count, 0);
  for (const id of endedBefore) streams.get(id)!.close();
});

test.serial('a run whose job lock lapses in Redis while its process lives is resumed and completes; its old owner writes nothing past the takeover', async (t) => {
  // Slow answers (≈ 5 s each, ≈ 25 s a run): however loaded the machine, the lock's loss is noticed long before the run could end.
  const slow = new CountingProviderServer(80, 60);
  const slowUrl = await slow.start();
  t.teardown(() => slow.close());
  const h = await countedHierarchy(alive()[0]!, 'lock', slowUrl);
  const tasks = ['[lock lost]'];
  const [id] = await startRuns(h, tasks);
  const owner = (await untilTaken([id!])).get(id!)!;
  const holder = processes.find((p) => p.processId === owner)!;
  await pollUntil('the run to stream', 20_000, async () => ((await allEvents(holder, id!)).some((e) => e.event.category === 'llm') ? true : undefined));
  // As if its process were cut off from Redis: the lock is gone and cannot be renewed.
  const redis = new Redis(redisUrl);
  try {
    t.is(await redis.del(`${prefix}:runs:run-${id}:lock`), 1);
  } finally {
    redis.disconnect();
  }
  const lostAt = Date.now();
  await pollUntil('the run to resume', 60_000, async () => ((await allEvents(holder, id!)).some((e) => e.event.action === 'resumed') ? true : undefined), 100);
  t.log(`takeover (job lock removed → lifecycle.resumed): ${Date.now() - lostAt} ms`);
  await checkCompleted(t, () => holder, slow, [id!], tasks);
  const run = (await holder.post('runs/get', { id })).body.data;
  t.is(run.resumes.count, 1);
  t.like(run.resumes.history[0], { from_process: owner });
  t.regex(run.resumes.history[0].reason, /job lock/);
  // The old owner was told (its lock renewal failed) and stopped the run without writing more.
  await pollUntil('the old owner to stop its copy', 15_000, async () =>
    (holder.logs.some((l) => l.includes('run lost to another process') && l.includes(`"run_id":${id}`)) ? true : undefined));
  const settled = await settledEvents(holder, id!);
  t.deepEqual((await allEvents(holder, id!)).map((e) => e.sequence), settled.map((e) => e.sequence), 'nothing written after the end');
  t.deepEqual((await holder.post('runs/get', { id })).body.data, run, 'the recorded end is unchanged');
});

test.serial('rolling SIGTERM restart of every process, with runs outlasting the grace: each is handed on, resumed and completes', async (t) => {
  // ≈ 50 s a run (each worker answer ≈ 16 s, longer than SHUTDOWN_GRACE_MS, 2 s): the roll is over
  // first even on a loaded machine, where starting three processes took 23 s and runs of the
  // last-rolled process, at half this length, had ended before its SIGTERM came.
  const slow = new CountingProviderServer(100, 160);
  const slowUrl = await slow.start();
  t.teardown(() => slow.close());
  const h = await countedHierarchy(alive()[0]!, 'rolled', slowUrl);
  const tasks = Array.from({ length: 12 }, (_, i) => `[rolled ${i}]`);
  const ids = await startRuns(h, tasks);
  await untilTaken(ids);
  await pollUntil('every run to stream', 30_000, async () => (slow.requests.length >= 2 * ids.length ? true : undefined), 100);
  const startedAt = Date.now();
  for (const old of alive()) {
    processes.push(await startCadre(env));
    const exited = once(old.child, 'exit');
    old.child.kill('SIGTERM');
    const [code] = await Promise.race([exited, new Promise<[string]>((resolve) => setTimeout(() => resolve(['no exit within 30 s']), 30_000))]);
    t.is(code, 0, old.logs.slice(-20).join('\n'));
  }
  t.log(`rolled 3 processes in ${Date.now() - startedAt} ms`);
  const reader = () => alive()[0]!;
  await checkCompleted(t, reader, slow, ids, tasks);
  const resumes = await Promise.all(ids.map(async (id) => (await reader().post('runs/get', { id })).body.data.resumes.count as number));
  t.log(`resumes per run: ${resumes.join(', ')}`);
  t.true(resumes.every((n) => n > 0), 'each run was handed on at least once');
  t.true(resumes.every((n) => n <= 3), 'each at most once per restart');
});
