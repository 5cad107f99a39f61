import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { uniqueName } from './helpers/backends.ts';
import { pollUntil, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';

// Threads through a real process and a model server that records every request: what a
// follow-up run is told, one live run per thread, tenancy, and the thread's own API.
const dbFile = join(tmpdir(), `${uniqueName('cadre_threads')}.sqlite`);
/** Workers stream 40 pieces 25 ms apart (≈ 1 s): a run stays live long enough to be in the way. */
const fixture = new CountingProviderServer(25, 40);
let p: CadreProcess;
let hierarchyId = '';
let agent: (prompt: string) => Record<string, unknown>;

test.before(async () => {
  const url = await fixture.start();
  p = await startCadre({ DATABASE_URL: dbFile, ...COUNTED_ENV });
  const model = await p.post('models/create', { name: 'counted', provider: 'openai-compatible', model_id: 'counted', base_url: `${url}/v1` });
  agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name: 'threaded', global_supervisor_agent: agent('You are G of threaded.'),
    teams: [{ name: 'T', team_supervisor_agent: agent('You are T of threaded.'), workers: [{ name: 'W', role: 'writer', ...agent('You are W of threaded.') }] }],
  });
  if (h.status !== 200) throw new Error(JSON.stringify(h.body));
  hierarchyId = h.body.data.id;
});

test.after.always(async () => {
  await p?.kill();
  await fixture.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

const untilEnded = (id: number) => pollUntil(`run ${id} to end`, 60_000, async () => {
  const run = (await p.post('runs/get', { id })).body.data;
  return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
});

async function newThread(metadata?: Record<string, unknown>): Promise<string> {
  const res = await p.post('threads/create', { hierarchy_id: 'threaded', ...(metadata && { metadata }) });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body.data.id;
}

test('a follow-up run on a thread is given the earlier task and answer before its own task', async (t) => {
  const thread = await newThread();
  const first = await p.post('runs/start', { thread_id: thread, task: 'First question [thread-a]' });
  t.is(first.status, 200, JSON.stringify(first.body));
  t.is(first.body.data.thread_id, thread);
  t.is(first.body.data.hierarchy_id, hierarchyId);
  const firstRun = await untilEnded(first.body.data.id);
  t.is(firstRun.status, 'completed', String(firstRun.error));
  t.true(String(firstRun.result).length > 0);

  const second = await p.post('runs/start', { hierarchy_id: hierarchyId, thread_id: thread, task: 'Follow-up question [thread-b]' });
  t.is(second.status, 200, JSON.stringify(second.body));
  t.is((await untilEnded(second.body.data.id)).status, 'completed');

  // The global supervisor's first call of the second run: the earlier turn, then the new task.
  const opening = fixture.requests.find((r) => r.key.startsWith('You are G of threaded.') && r.messages.some((m) => m.text.includes('[thread-b]')));
  t.truthy(opening, 'the second run asked its global supervisor');
  const turns = opening!.messages.filter((m) => m.role !== 'system');
  t.true(turns.length >= 3, JSON.stringify(turns));
  t.deepEqual(turns.slice(0, 2), [{ role: 'user', text: 'First question [thread-a]' }, { role: 'assistant', text: firstRun.result }]);
  t.is(turns[2]!.role, 'user');
  t.true(turns[2]!.text.includes('Follow-up question [thread-b]'));
  // A run started on its own is told nothing of the thread.
  const alone = fixture.requests.filter((r) => r.key.startsWith('You are G of threaded.') && r.messages.some((m) => m.text.includes('[thread-a]')));
  t.true(alone.length > 0);
  t.false(alone.some((r) => r.messages.some((m) => m.role === 'assistant' && m.text === firstRun.result && !r.messages.some((x) => x.text.includes('[thread-b]')))));

  const view = (await p.post('threads/get', { id: thread })).body.data;
  t.like(view, { id: thread, hierarchy_id: hierarchyId, status: 'idle', run_count: 2, last_run_id: second.body.data.id });
  const listed = (await p.post('runs/list', { thread_id: thread })).body.data.content;
  t.deepEqual(listed.map((r: any) => r.id), [second.body.data.id, first.body.data.id]);
  t.true(listed.every((r: any) => r.thread_id === thread));
});

test('one live run per thread: reject answers 409 THREAD_BUSY, interrupt cancels the live run and starts', async (t) => {
  const thread = await newThread();
  const first = (await p.post('runs/start', { thread_id: thread, task: 'Long one [busy-1]' })).body.data;
  t.is((await p.post('threads/get', { id: thread })).body.data.status, 'busy');
  const refused = await p.post('runs/start', { thread_id: thread, task: 'Too soon [busy-2]' });
  t.is(refused.status, 409);
  t.is(refused.body.error_code, 'THREAD_BUSY');
  const busyDelete = await p.post('threads/delete', { id: thread });
  t.is(busyDelete.status, 409);
  t.is(busyDelete.body.error_code, 'THREAD_BUSY');

  const third = await p.post('runs/start', { thread_id: thread, task: 'Instead [busy-3]', multitask_strategy: 'interrupt' });
  t.is(third.status, 200, JSON.stringify(third.body));
  t.is((await p.post('runs/get', { id: first.id })).body.data.status, 'cancelled');
  t.is((await untilEnded(third.body.data.id)).status, 'completed');
  // The interrupted run is part of the thread's past: the next run is told it was cancelled.
  const opening = fixture.requests.find((r) => r.key.startsWith('You are G of threaded.') && r.messages.some((m) => m.text.includes('[busy-3]')));
  t.truthy(opening);
  t.true(opening!.messages.some((m) => m.role === 'assistant' && m.text.startsWith('(This request was cancelled')), JSON.stringify(opening!.messages));
});

test('threads: metadata, list filters, update, a hierarchy mismatch, and delete with its runs', async (t) => {
  const label = uniqueName('label');
  const a = await newThread({ label, n: 1 });
  await newThread({ label, n: 2 });
  const byLabel = (await p.post('threads/list', { metadata: { label, n: 1 } })).body.data;
  t.is(byLabel.totalElements, 1);
  t.is(byLabel.content[0].id, a);
  t.is((await p.post('threads/list', { metadata: { label } })).body.data.totalElements, 2);
  const updated = await p.post('threads/update', { id: a, metadata: { label, n: 3 } });
  t.deepEqual(updated.body.data.metadata, { label, n: 3 });

  const chosen = randomUUID();
  const made = await p.post('threads/create', { hierarchy_id: hierarchyId, thread_id: chosen });
  t.is(made.body.data.id, chosen);
  t.is((await p.post('threads/create', { hierarchy_id: hierarchyId, thread_id: chosen })).body.error_code, 'THREAD_EXISTS');
  t.is((await p.post('threads/create', { hierarchy_id: hierarchyId, thread_id: chosen, if_exists: 'do_nothing' })).body.data.id, chosen);

  const other = await p.post('hierarchies/create', { name: uniqueName('other'), global_supervisor_agent: agent('x'), teams: [{ name: 'T', team_supervisor_agent: agent('y'), workers: [{ name: 'W', role: 'w', ...agent('z') }] }] });
  t.is(other.status, 200, JSON.stringify(other.body));
  const mismatch = await p.post('runs/start', { thread_id: a, hierarchy_id: other.body.data.id, task: 'wrong hierarchy' });
  t.is(mismatch.status, 400);
  t.regex(mismatch.body.error, /thread_id/);
  const neither = await p.post('runs/start', { task: 'no hierarchy' });
  t.is(neither.status, 400);
  t.regex(neither.body.error, /hierarchy_id/);
  t.regex((await p.post('threads/get', { id: 'not-a-uuid' })).body.error, /id/);

  const run = (await p.post('runs/start', { thread_id: a, task: 'to be deleted [del]' })).body.data;
  await untilEnded(run.id);
  const deleted = await p.post('threads/delete', { id: a });
  t.deepEqual(deleted.body.data, { id: a, deleted: true });
  t.is((await p.post('threads/get', { id: a })).body.error_code, 'THREAD_NOT_FOUND');
  t.is((await p.post('runs/get', { id: run.id })).body.error_code, 'RUN_NOT_FOUND');
});

test("another tenant's thread is not found, for every thread route and for runs/start", async (t) => {
  const thread = await newThread();
  const other = { tenantId: 'thread-intruder' };
  for (const [route, body] of [
    ['threads/get', { id: thread }], ['threads/update', { id: thread, metadata: {} }], ['threads/delete', { id: thread }],
    ['runs/start', { thread_id: thread, task: 'steal it' }],
  ] as const) {
    const res = await p.post(route, { ...body, ...other });
    t.is(res.status, 404, route);
    t.is(res.body.error_code, 'THREAD_NOT_FOUND', route);
  }
  const listed = (await p.post('threads/list', other)).body.data;
  t.false(listed.content.some((x: any) => x.id === thread));
  t.is((await p.post('threads/get', { id: thread })).status, 200);
});

test('enqueue: a run on a busy thread waits its turn, then runs and is told the answer it waited for; a waiting one can be cancelled', async (t) => {
  const thread = await newThread();
  const first = (await p.post('runs/start', { thread_id: thread, task: 'Long one [queue-1]' })).body.data;
  const second = await p.post('runs/start', { thread_id: thread, task: 'After it [queue-2]', multitask_strategy: 'enqueue' });
  t.is(second.status, 200, JSON.stringify(second.body));
  const third = await p.post('runs/start', { thread_id: thread, task: 'Never mind [queue-3]', multitask_strategy: 'enqueue' });
  t.is(third.status, 200, JSON.stringify(third.body));
  t.is((await p.post('runs/get', { id: second.body.data.id })).body.data.status, 'pending');
  // The third is withdrawn while it waits: it ends cancelled without ever running.
  t.is((await p.post('runs/cancel', { id: third.body.data.id })).body.data.status, 'cancelled');

  const firstRun = await untilEnded(first.id);
  t.is(firstRun.status, 'completed');
  const secondRun = await untilEnded(second.body.data.id);
  t.is(secondRun.status, 'completed', String(secondRun.error));
  t.true(new Date(secondRun.started_at).getTime() >= new Date(firstRun.completed_at).getTime(), 'it started after the first ended');
  const opening = fixture.requests.find((r) => r.key.startsWith('You are G of threaded.') && r.messages.some((m) => m.text.includes('[queue-2]')));
  t.truthy(opening, 'the enqueued run asked its global supervisor');
  t.true(opening!.messages.some((m) => m.role === 'assistant' && m.text === firstRun.result), 'told the answer it waited for');
  t.false(fixture.requests.some((r) => r.messages.some((m) => m.text.includes('[queue-3]'))), 'the cancelled one never ran');
  t.is((await p.post('threads/get', { id: thread })).body.data.run_count, 3);
});
