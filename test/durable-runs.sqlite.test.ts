import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { checkpointsInSqliteFile } from './helpers/durable-checks.ts';

// The embedded default (one process on a SQLite file): a run outlives its process — killed with
// -9, or stopped by SIGTERM with runs that outlast the grace — and goes on when the next process
// starts on the same file, from its checkpoint.
const dbFile = join(tmpdir(), `${uniqueName('cadre_durable')}.sqlite`);
const env = { DATABASE_URL: dbFile, SHUTDOWN_GRACE_MS: '500' };
const processes: CadreProcess[] = [];

async function start(): Promise<CadreProcess> {
  const p = await startCadre(env);
  processes.push(p);
  return p;
}

// Every test starts from no live process: one left over would sweep (and resume) the next test's runs.
test.afterEach.always(async () => {
  for (const p of processes) await p.kill();
});

test.after.always(async () => {
  for (const p of processes) await p.kill();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

/** A hierarchy of two workers on a paced simulated model (a run takes a few seconds). */
async function hierarchy(p: CadreProcess, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const model = await p.post('models/create', { name, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 15, reply_tokens: 40 } });
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name, global_supervisor_agent: agent('You coordinate.'), execution_mode: 'parallel', ...extra,
    teams: [{ name: 'T', team_supervisor_agent: agent('You lead.'), workers: [{ name: 'A', role: 'a', ...agent('a') }, { name: 'B', role: 'b', ...agent('b') }] }],
  });
  if (h.status !== 200) throw new Error(JSON.stringify(h.body));
  return h.body.data.id;
}

async function startRuns(p: CadreProcess, hierarchyId: string, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const res = await p.post('runs/start', { hierarchy_id: hierarchyId, task: `task ${i}` });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    return res.body.data.id as number;
  }));
}

/** Waits until every run has a checkpoint past its start (a worker was dispatched) and streams model output. */
const untilMidRun = (p: CadreProcess, ids: number[]) => Promise.all(ids.map((id) => pollUntil(`run ${id} mid-run`, 30_000, async () => {
  const events = await allEvents(p, id);
  if (!events.some((e) => e.event.category === 'dispatch') || !events.some((e) => e.event.action === 'stream')) return undefined;
  // Its checkpoint is stored past its start (on a loaded machine the save may still be on its way).
  const checkpoint = checkpointsInSqliteFile(dbFile).get(id);
  return checkpoint !== undefined && events.some((e) => e.event.category === 'dispatch' && e.sequence <= checkpoint) ? true : undefined;
})));

const untilEnded = (p: CadreProcess, id: number, ms = 60_000) => pollUntil(`run ${id} to end`, ms, async () => {
  const run = (await p.post('runs/get', { id })).body.data;
  return run.status !== 'running' && run.status !== 'pending' ? run : undefined;
}, 250);

test.serial('kill -9 of the embedded default, then a restart: every run resumes from its checkpoint and completes gap-free', async (t) => {
  const first = await start();
  const h = await hierarchy(first, 'killed');
  const ids = await startRuns(first, h, 8);
  await untilMidRun(first, ids);
  await first.kill();
  const restartedAt = Date.now();
  const second = await start();
  const listening = Date.now();
  await Promise.all(ids.map((id) => pollUntil(`run ${id} resumed`, 30_000, async () =>
    ((await allEvents(second, id)).some((e) => e.event.action === 'resumed') ? true : undefined), 50)));
  t.log(`all 8 runs resumed ${Date.now() - listening} ms after the new process listened (${listening - restartedAt} ms to start it)`);
  t.true(second.logs.some((l) => l.includes('a process of this host is gone')), 'the dead process is known dead at once, not after its lease');
  const ends = await Promise.all(ids.map((id) => untilEnded(second, id)));
  t.log(`and completed ${Date.now() - restartedAt} ms after the restart began`);
  for (const run of ends) {
    t.is(run.status, 'completed', `run ${run.id}: ${run.error}`);
    t.is(run.resumes.count, 1);
    t.like(run.resumes.history[0], { to_process: second.processId });
    t.regex(run.resumes.history[0].reason, /lapsed|stopped/);
    t.is(typeof run.resumes.history[0].checkpoint_sequence, 'number');
  }
  for (const id of ids) {
    const events = await settledEvents(second, id);
    t.is(checkLog(events), null, `run ${id}`);
    const resumed = events.filter((e) => e.event.action === 'resumed');
    t.is(resumed.length, 1, `run ${id} resumed once`);
    t.is(events.filter((e) => e.event.action === 'started' && e.event.category === 'lifecycle').length, 1);
    // Finished workers are not asked again: each worker's answer is dispatched and completed once.
    const completions = events.filter((e) => e.event.action === 'worker_completed').map((e) => e.data.worker_name).sort();
    t.deepEqual(completions, ['A', 'B'], `run ${id}`);
  }
});

test.serial('SIGTERM with runs that outlast the grace hands them on: the next start resumes them and they complete', async (t) => {
  const first = await start();
  const h = await hierarchy(first, 'rolled');
  const ids = await startRuns(first, h, 4);
  await untilMidRun(first, ids);
  const exited = once(first.child, 'exit');
  first.child.kill('SIGTERM');
  const [code] = await exited;
  t.is(code, 0, first.logs.join('\n'));
  const second = await start();
  for (const id of ids) {
    const run = await untilEnded(second, id);
    t.is(run.status, 'completed', `run ${id}: ${run.error}`);
    t.like(run.resumes.history[0], { from_process: null, to_process: second.processId });
    const events = await settledEvents(second, id);
    t.is(checkLog(events), null, `run ${id}`);
    t.is(events.filter((e) => e.event.action === 'resumed').length, 1);
    t.false(events.some((e) => e.event.action === 'cancelled'), 'a hand-off cancels nothing');
  }
});

test.serial('a run whose process is lost more than max_resumes times fails "owner lost N times"; on_owner_lost "fail" fails at the first loss', async (t) => {
  let p = await start();
  const once1 = await hierarchy(p, 'fragile', { max_resumes: 1 });
  const never = await hierarchy(p, 'no-resume', { on_owner_lost: 'fail' });
  const [fragile] = await startRuns(p, once1, 1);
  const [strict] = await startRuns(p, never, 1);
  await untilMidRun(p, [fragile!, strict!]);
  await p.kill();
  p = await start();
  // The first loss: the fragile run is resumed (once allowed), the strict one fails.
  t.like(await untilEnded(p, strict!, 20_000), { status: 'failed', error: 'owner lost' });
  await pollUntil('the fragile run to resume', 20_000, async () => ((await allEvents(p, fragile!)).some((e) => e.event.action === 'resumed') ? true : undefined));
  await untilMidRun(p, [fragile!]);
  await p.kill();
  p = await start();
  const run = await untilEnded(p, fragile!, 20_000);
  t.like(run, { status: 'failed', error: 'owner lost 2 times' });
  t.is(run.resumes.count, 1);
  const events = await settledEvents(p, fragile!);
  t.is(checkLog(events), null);
  t.like(events.at(-1), { event: { action: 'failed' }, data: { error: 'owner lost 2 times' } });
});
