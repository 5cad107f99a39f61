import test from 'ava';
import { randomUUID } from 'node:crypto';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';
import { cli } from './helpers/cli-process.ts';
import { pollUntil } from './helpers/cadre-process.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import type { Service } from '../src/compose.ts';

/** `cadre threads`, `cadre thread …` and `cadre run --thread` as a child process against the composed service. */
let db: TestDatabase;
let service: Service;
let server: TestServer;
let hierarchy: { id: string; name: string };
let other: { id: string; name: string };
let slow: { id: string; name: string };

async function ok(action: string, body: unknown): Promise<any> {
  const res = await server.post(`/api/executor/v1/${action}`, body);
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

test.before(async () => {
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  // Its lease sweep runs (often): it is what starts a run enqueued behind its thread.
  service = buildService(db, { lease: { heartbeatMs: 200, leaseMs: 1000, sweepMs: 200 } });
  await service.recover();
  server = await serve(service.app);
  const model = await ok('models/create', { name: 'fast', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 1, reply_tokens: 8 } });
  const agent = { system_prompt: 'You coordinate the teams.', llm_config: { model_id: model.id } };
  const h = await ok('hierarchies/create', sampleHierarchyInput({ name: 'cli threads', global_supervisor_agent: agent }));
  hierarchy = { id: h.id, name: h.name };
  const o = await ok('hierarchies/create', sampleHierarchyInput({ name: 'cli other', global_supervisor_agent: agent }));
  other = { id: o.id, name: o.name };
  // Slow enough to still be running while the CLI acts on its thread.
  const slowModel = await ok('models/create', { name: 'slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 20, reply_tokens: 100 } });
  const s = await ok('hierarchies/create', sampleHierarchyInput({ name: 'cli slow', global_supervisor_agent: { system_prompt: 'You coordinate the teams.', llm_config: { model_id: slowModel.id } } }));
  slow = { id: s.id, name: s.name };
});
test.after.always(async () => {
  await server?.close();
  await service?.stop(1000);
  await db?.drop();
});

const url = () => ['--url', server.url];
const startedRun = (stderr: string) => Number(/^run (\d+) started/m.exec(stderr)?.[1]);

test.serial('a thread from create to delete: two run --thread turns, threads lists it, thread shows both runs', async (t) => {
  const created = await cli([...url(), 'thread', 'create', hierarchy.name, '--metadata', 'customer=acme', '--metadata', 'note=a=b']);
  t.is(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  t.regex(id, /^[0-9a-f-]{36}$/, 'the id alone on stdout');
  t.is(created.stdout, `${id}\n`);
  t.like(await ok('threads/get', { id }), { hierarchy_id: hierarchy.id, metadata: { customer: 'acme', note: 'a=b' }, run_count: 0 });

  // First turn names the hierarchy; the second leaves it out (the thread's) and may interrupt.
  const first = await cli([...url(), 'run', hierarchy.name, 'First question [turn-1]', '--thread', id]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stderr, new RegExp(`^run \\d+ started on "cli threads" in thread ${id} `, 'm'));
  const second = await cli([...url(), 'run', '--thread', id, '--interrupt', 'Follow-up question [turn-2]']);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stderr, new RegExp(`^run \\d+ started on "cli threads" in thread ${id} `, 'm'));
  const [firstId, secondId] = [startedRun(first.stderr), startedRun(second.stderr)];
  t.true(secondId > firstId);
  const secondRun = await ok('runs/get', { id: secondId });
  t.like(secondRun, { thread_id: id, status: 'completed' });
  t.is(second.stdout, `${secondRun.result}\n`);

  // A run without --thread says nothing of threads.
  const plain = await cli([...url(), 'run', hierarchy.name, 'No thread [plain]']);
  t.is(plain.code, 0, plain.stderr);
  t.false(plain.stderr.includes('in thread'));
  // The other hierarchy's thread, to see --hierarchy filter.
  const otherThread = (await ok('threads/create', { hierarchy_id: other.id })).id as string;

  const listed = await cli([...url(), '--json', 'threads']);
  t.is(listed.code, 0, listed.stderr);
  const page = JSON.parse(listed.stdout);
  t.is(page.totalElements, 2);
  t.like(page.content.find((th: any) => th.id === id), { run_count: 2, last_run_id: secondId, status: 'idle', hierarchy_id: hierarchy.id });
  const filtered = JSON.parse((await cli([...url(), '--json', 'threads', '--hierarchy', hierarchy.name])).stdout);
  t.deepEqual(filtered.content.map((th: any) => th.id), [id]);
  const table = await cli([...url(), 'threads', '--hierarchy', other.id]);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^ID +STATUS +RUNS +LAST RUN +UPDATED +HIERARCHY +METADATA$/m);
  t.regex(table.stdout, new RegExp(`^${otherThread} +idle +0 +- +`, 'm'));
  t.false(table.stdout.includes(id));
  const full = await cli([...url(), 'threads']);
  t.regex(full.stdout, new RegExp(`^${id} +idle +2 +${secondId} +\\S+ \\S+ +${hierarchy.id} +customer=acme note=a=b$`, 'm'));
  t.regex(full.stdout, /^page 1 of 1 · 2 in all$/m);

  const shown = await cli([...url(), 'thread', id]);
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, new RegExp(`^thread ${id} · idle · hierarchy ${hierarchy.id} · 2 runs · created `, 'm'));
  t.regex(shown.stdout, /^metadata: customer=acme note=a=b$/m);
  t.regex(shown.stdout, /^ID +STATUS +CREATED +TASK +ANSWER$/m);
  const rows = shown.stdout.split('\n').filter((l) => /^\d+ +completed /.test(l));
  t.is(rows.length, 2, shown.stdout);
  t.true(rows[0]!.startsWith(`${secondId} `), 'newest first');
  t.true(rows[0]!.includes('Follow-up question [turn-2]'));
  t.true(rows[1]!.startsWith(`${firstId} `));
  t.true(rows[1]!.includes('First question [turn-1]'));
  t.true(rows.every((r) => /\] +\S/.test(r)), 'each row has an answer excerpt');
  t.false(shown.stdout.includes('[plain]'));

  const json = await cli([...url(), '--json', 'thread', id]);
  t.is(json.code, 0, json.stderr);
  const detail = JSON.parse(json.stdout);
  t.like(detail.thread, { id, run_count: 2 });
  t.deepEqual(detail.runs.content.map((r: any) => r.id), [secondId, firstId]);
  t.true(detail.runs.content.every((r: any) => r.thread_id === id && typeof r.result === 'string' && r.result.length > 0));

  const deleted = await cli([...url(), 'thread', 'delete', id]);
  t.is(deleted.code, 0, deleted.stderr);
  t.is(deleted.stdout, `thread ${id} deleted\n`);
  t.is((await server.post('/api/executor/v1/threads/get', { id })).status, 404);
  t.is((await server.post('/api/executor/v1/runs/get', { id: firstId })).status, 404, "the thread's runs went with it");
  const again = await cli([...url(), '--json', 'thread', 'delete', id]);
  t.is(again.code, 5);
  t.regex(again.stderr, /THREAD_NOT_FOUND/);
  const json2 = JSON.parse((await cli([...url(), '--json', 'thread', 'delete', otherThread])).stdout);
  t.deepEqual(json2, { id: otherThread, deleted: true });
});

test.serial('thread create --json prints the thread; a thread without runs says how to start one', async (t) => {
  const created = await cli([...url(), '--json', 'thread', 'create', hierarchy.id]);
  t.is(created.code, 0, created.stderr);
  const thread = JSON.parse(created.stdout);
  t.like(thread, { hierarchy_id: hierarchy.id, status: 'idle', run_count: 0, last_run_id: null, metadata: {} });
  const shown = await cli([...url(), 'thread', thread.id]);
  t.is(shown.code, 0, shown.stderr);
  t.true(shown.stdout.includes(`(no runs yet: cadre run --thread ${thread.id} "<task>")`), shown.stdout);
  await ok('threads/delete', { id: thread.id });
});

test.serial('a busy thread refuses run --thread (exit 5, THREAD_BUSY) and thread delete; --interrupt cancels its live run and goes on', async (t) => {
  const id = (await ok('threads/create', { hierarchy_id: slow.id })).id as string;
  const live = await ok('runs/start', { thread_id: id, task: 'A long first turn [busy]' });
  await pollUntil(`run ${live.id} running`, 30_000, async () => ((await ok('runs/get', { id: live.id })).status === 'running' ? true : undefined), 50);
  t.is((await ok('threads/get', { id })).status, 'busy');
  const refused = await cli([...url(), 'run', '--thread', id, 'Too soon']);
  t.is(refused.code, 5);
  t.regex(refused.stderr, /THREAD_BUSY/);
  const busyDelete = await cli([...url(), 'thread', 'delete', id]);
  t.is(busyDelete.code, 5);
  t.regex(busyDelete.stderr, /THREAD_BUSY/);

  const interrupting = await cli([...url(), 'run', '--thread', id, '--interrupt', 'Instead [interrupt]']);
  t.is(interrupting.code, 0, interrupting.stderr);
  t.is((await ok('runs/get', { id: live.id })).status, 'cancelled');
  const shown = await cli([...url(), 'thread', id]);
  t.is(shown.code, 0, shown.stderr);
  const rows = shown.stdout.split('\n').filter((l) => /^\d+ +(completed|cancelled) /.test(l));
  t.is(rows.length, 2, shown.stdout);
  t.regex(rows[0]!, /^\d+ +completed .*Instead \[interrupt\]/);
  t.regex(rows[1]!, new RegExp(`^${live.id} +cancelled .*A long first turn \\[busy\\]`));
  t.is((await cli([...url(), 'thread', 'delete', id])).code, 0);
});

test.serial('run --thread --enqueue waits for the live run to end, then runs and answers', async (t) => {
  const id = (await ok('threads/create', { hierarchy_id: slow.id })).id as string;
  const live = await ok('runs/start', { thread_id: id, task: 'A first turn [enqueue-1]' });
  const queued = await cli([...url(), 'run', '--thread', id, '--enqueue', 'Then this [enqueue-2]']);
  t.is(queued.code, 0, queued.stderr);
  t.true(queued.stdout.trim().length > 0, 'the answer is printed');
  const first = await ok('runs/get', { id: live.id });
  t.is(first.status, 'completed');
  const runs = (await ok('runs/list', { thread_id: id })).content as Array<{ id: number; status: string; started_at: string }>;
  t.is(runs.length, 2);
  t.is(runs[0]!.status, 'completed');
  t.true(Date.parse(runs[0]!.started_at) >= Date.parse(first.completed_at), 'it started once the first ended');
  const usage = await cli([...url(), 'run', 'x', 'y', '--enqueue']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--enqueue needs --thread/);
});

test.serial('exit codes: unknown thread 5, wrong hierarchy for the thread 5, usage 2', async (t) => {
  const unknown = randomUUID();
  const shown = await cli([...url(), 'thread', unknown]);
  t.is(shown.code, 5);
  t.regex(shown.stderr, /THREAD_NOT_FOUND/);
  const run = await cli([...url(), 'run', '--thread', unknown, 'to nowhere']);
  t.is(run.code, 5);
  t.regex(run.stderr, /THREAD_NOT_FOUND/);
  t.is((await cli([...url(), 'run', hierarchy.name, 'to nowhere', '--thread', unknown])).code, 5);
  t.is((await cli([...url(), 'thread', 'delete', unknown])).code, 5);
  t.is((await cli([...url(), 'thread', 'create', 'no such hierarchy'])).code, 5);
  const id = (await ok('threads/create', { hierarchy_id: hierarchy.id })).id as string;
  const mismatch = await cli([...url(), 'run', other.name, 'wrong hierarchy', '--thread', id]);
  t.is(mismatch.code, 5);
  t.regex(mismatch.stderr, /thread_id/);
  t.is((await ok('threads/get', { id })).run_count, 0, 'nothing started');

  const usage = await cli([...url(), 'run', 'only a task']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /run needs <hierarchy> and <task> \(or --thread <id> and <task>\)/);
  const interrupt = await cli([...url(), 'run', hierarchy.name, 'x', '--interrupt']);
  t.is(interrupt.code, 2);
  t.regex(interrupt.stderr, /--interrupt needs --thread/);
  t.is((await cli([...url(), 'thread'])).code, 2);
  t.is((await cli([...url(), 'thread', 'create', hierarchy.name, '--metadata', 'novalue'])).code, 2);
  t.is((await cli([...url(), 'threads', '--size', '0'])).code, 2);
});
