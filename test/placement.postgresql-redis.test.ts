import test from 'ava';
import { createTestDatabase, deleteRedisKeys, serverDatabaseUrl, type TestDatabase, uniqueName } from './helpers/backends.ts';
import { allEvents, checkLog, pollUntil, settledEvents, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { ExecutionRun } from '../src/store/entities/index.ts';
import { collectUntilClose, eventFrames } from './helpers/sse-client.ts';

// With Redis: three Cadre processes on one PostgreSQL database share a BullMQ run queue (a
// prefix of their own), each taking runs while it has a free slot. What becomes of a run whose
// process is lost (kill -9, job lock lapsed, SIGTERM) is in durable-runs.postgresql-redis.test.ts.
const redisUrl = process.env.CADRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `${uniqueName('cadre_test')}:`;
let db: TestDatabase;
const processes: CadreProcess[] = [];
let fastHierarchy = '';
let pacedHierarchy = '';

test.before(async () => {
  db = await createTestDatabase('postgresql');
  const env = {
    DATABASE_URL: serverDatabaseUrl('postgresql', (db.config as { dbName: string }).dbName), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, MAX_CONCURRENT_RUNS: '20',
    // 300 runs of one tenant are started at once below: no tenant bound may refuse them.
    TENANT_MAX_ACTIVE_RUNS: '1000',
  };
  for (let i = 0; i < 3; i++) processes.push(await startCadre(env));
});

test.after.always(async () => {
  for (const p of processes) await p.kill();
  await db?.drop();
  await deleteRedisKeys(redisUrl, keyPrefix);
});

async function ownersOf(ids: number[]): Promise<Map<number, string | null>> {
  const rows = await db.store.orm.em.fork().find(ExecutionRun, { id: { $in: ids } }, { filters: false, fields: ['id', 'owner'] });
  return new Map(rows.map((r) => [Number(r.id), r.owner ?? null]));
}

async function hierarchy(p: CadreProcess, name: string, params: Record<string, number>): Promise<string> {
  const model = await p.post('models/create', { name, model_id: 'sim', provider: 'simulated', params });
  const m = model.body.data.id;
  const h = await p.post('hierarchies/create', {
    name, global_supervisor_agent: { system_prompt: 'g', llm_config: { model_id: m } },
    teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 't', llm_config: { model_id: m } },
      workers: [{ name: 'W', role: 'r', system_prompt: 'w', llm_config: { model_id: m } }] }],
  });
  return h.body.data.id;
}

async function startRuns(hierarchyId: string, count: number, label: string): Promise<number[]> {
  const ids: number[] = [];
  const live = alive();
  for (let i = 0; i < count; i += 30) {
    const batch = await Promise.all(Array.from({ length: Math.min(30, count - i) }, async (_, j) => {
      const res = await live[(i + j) % live.length]!.post('runs/start', { hierarchy_id: hierarchyId, task: `${label} ${i + j}` });
      if (res.status !== 200) throw new Error(`runs/start: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data.id as number;
    }));
    ids.push(...batch);
  }
  return ids;
}

const alive = () => processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);

test.serial('300 runs started through any process execute on all three; each is listed and read gap-free from the others', async (t) => {
  const [a] = processes as [CadreProcess];
  fastHierarchy = await hierarchy(a, 'fast', { token_delay_ms: 5, reply_tokens: 8 });
  const ids = await startRuns(fastHierarchy, 300, 'bulk');
  t.is(new Set(ids).size, 300);
  await pollUntil('300 runs to end', 240_000, async () => {
    const list = await processes[1]!.post('runs/list', { page: 1, size: 1, hierarchy_id: fastHierarchy, status: 'completed' });
    return list.body.data.totalElements === 300 ? true : undefined;
  }, 1000);
  const owners = await ownersOf(ids);
  const perProcess = processes.map((p) => ids.filter((id) => owners.get(id) === p.processId).length);
  t.log(`runs executed per process: ${perProcess.join(', ')}`);
  t.true(perProcess.every((n) => n > 0), `each process ran some: ${perProcess.join(', ')}`);
  t.is(perProcess.reduce((x, y) => x + y, 0), 300);
  for (const p of processes) {
    const list = await p.post('runs/list', { page: 1, size: 100, hierarchy_id: fastHierarchy });
    t.is(list.body.data.totalElements, 300);
    t.true(list.body.data.content.length === 100);
  }
  for (const id of ids) {
    const reader = processes.find((p) => p.processId !== owners.get(id))!;
    t.is(checkLog(await settledEvents(reader, id)), null, `run ${id}`);
    const run = (await reader.post('runs/get', { id })).body.data;
    t.is(run.status, 'completed');
  }
});

test.serial('runs are streamed live from every process, owner or not, with identical sequences', async (t) => {
  const streamed = await hierarchy(processes[0]!, 'streamed', { token_delay_ms: 20, reply_tokens: 10 });
  const ids = await startRuns(streamed, 30, 'streamed');
  // Every process streams every run from its first event while the runs execute across all three.
  const streams = await Promise.all(ids.map((id) => Promise.all(processes.map((p) =>
    collectUntilClose(`${p.url}/api/executor/v1/runs/stream`, { method: 'POST', body: { id } })))));
  const owners = await ownersOf(ids);
  t.true(new Set(ids.map((id) => owners.get(id))).size > 1, 'the runs executed on more than one process');
  ids.forEach((id, i) => {
    const [first, ...others] = streams[i]!.map((s) => eventFrames(s.frames).map((f) => `${f.id} ${f.event}`));
    t.true(first!.length > 0, `run ${id} streamed events`);
    t.deepEqual(first!.map((line) => Number(line.split(' ')[0])), Array.from({ length: first!.length }, (_, k) => k + 1), `run ${id}: 1..n`);
    t.regex(first!.at(-1)!, / lifecycle\.completed$/, `run ${id} ends completed`);
    for (const other of others) t.deepEqual(other, first, `run ${id}: the same frames from every process`);
    for (const s of streams[i]!) t.is(s.frames.at(-1)?.event, 'close');
  });
});

test.serial('30 runs are inspected live and cancelled from processes that do not execute them', async (t) => {
  pacedHierarchy = await hierarchy(processes[0]!, 'paced', { token_delay_ms: 100, reply_tokens: 30 });
  const ids = await startRuns(pacedHierarchy, 30, 'paced');
  const owners = await pollUntil('30 runs to be taken', 30_000, async () => {
    const map = await ownersOf(ids);
    return [...map.values()].every((o) => o !== null) && map.size === 30 ? map : undefined;
  });
  await Promise.all(ids.map(async (id) => {
    const other = processes.find((p) => p.processId !== owners.get(id))!;
    // Taken is not yet executing (the owner plans it first): wait until its actors stream.
    await pollUntil(`run ${id} to stream`, 30_000, async () => ((await allEvents(other, id)).some((e) => e.event.category === 'llm') ? true : undefined));
    const inspected = await other.post('runs/inspect', { id });
    t.is(inspected.status, 200);
    t.like(inspected.body.data, { run_id: id, live: true, tree: { kind: 'run' } });
    t.true(inspected.body.data.tree.children.length > 0, 'the live tree has the sink and the global supervisor');
    const cancelled = await other.post('runs/cancel', { id });
    t.is(cancelled.status, 200, JSON.stringify(cancelled.body));
    t.is(cancelled.body.data.status, 'cancelled');
  }));
  for (const id of ids) {
    const events = await settledEvents(processes[0]!, id);
    t.is(checkLog(events), null, `run ${id}`);
    t.is(events.at(-1)!.event.action, 'cancelled');
  }
});

test.serial('agents of 10 runs are steered and cancelled from processes that do not execute them (the control channel); the runs complete', async (t) => {
  const ids = await startRuns(pacedHierarchy, 10, 'agents');
  const owners = await pollUntil('10 runs to be taken', 30_000, async () => {
    const map = await ownersOf(ids);
    return [...map.values()].every((o) => o !== null) && map.size === 10 ? map : undefined;
  });
  await Promise.all(ids.map(async (id) => {
    const other = processes.find((p) => p.processId !== owners.get(id))!;
    await pollUntil(`run ${id} to stream`, 30_000, async () => ((await allEvents(other, id)).some((e) => e.event.category === 'llm') ? true : undefined));
    const topology = (await other.post('runs/get', { id })).body.data.topology_snapshot;
    const steered = await other.post('runs/agents/steer', { id, agent_id: topology.global_supervisor.agent_id, message: 'Be brief.' });
    t.is(steered.status, 200, JSON.stringify(steered.body));
    t.is(steered.body.data.status, 'steered');
    const worker = topology.teams[0].workers[0].agent_id;
    const cancelled = await other.post('runs/agents/cancel', { id, agent_id: worker });
    t.is(cancelled.status, 200, JSON.stringify(cancelled.body));
    t.like(cancelled.body.data, { status: 'stopped', outcome: { status: 'cancelled' } });
  }));
  for (const id of ids) {
    const run = await pollUntil(`run ${id} to end`, 60_000, async () => {
      const r = (await processes[0]!.post('runs/get', { id })).body.data;
      return r.status !== 'running' && r.status !== 'pending' ? r : undefined;
    });
    t.is(run.status, 'completed', `run ${id}: ${run.error}`);
    const events = await settledEvents(processes[0]!, id);
    t.is(checkLog(events), null, `run ${id}`);
    t.is(events.filter((e) => e.event.category === 'agent').length, 2);
  }
});

test.serial('POST /execute answers when its run ended, wherever the queue placed it', async (t) => {
  const live = alive();
  const models = await live[0]!.post('models/list', { page: 1, size: 100 });
  const fast = models.body.data.content.find((m: any) => m.name === 'fast').id as string;
  const answers = await Promise.all([0, 1, 2, 3].map(async (i) => {
    const res = await fetch(`${live[i % 2]!.url}/execute`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(90_000),
      body: JSON.stringify({
        task: `execute ${i}`, global_model_id: fast, global_supervisor_agent: { system_prompt: 'g' },
        teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 't' }, workers: [{ name: 'W', role: 'r', system_prompt: 'w' }] }],
      }),
    });
    return { status: res.status, body: await res.json() as any, asked: live[i % 2]! };
  }));
  const owners = await ownersOf(answers.map((a) => a.body.run_id));
  t.log(`executed where asked: ${answers.filter((a) => owners.get(a.body.run_id) === a.asked.processId).length} of 4`);
  for (const answer of answers) {
    t.is(answer.status, 200, JSON.stringify(answer.body));
    t.is(answer.body.status, 'completed');
    t.true(answer.body.events.length > 0);
    t.is(checkLog(answer.body.events.map((e: any) => ({ sequence: e.sequence, event: e.event }))), null);
  }
});

