import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyInput, sampleHierarchyOn } from './helpers/fixtures.ts';
import { cli, startCli } from './helpers/cli-process.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import type { Service } from '../src/compose.ts';

/** The `cadre` CLI as a child process against the composed service served in this process. */
let db: TestDatabase;
let service: Service;
let server: TestServer;
const hierarchies: Record<'fast' | 'slow' | 'failing', { id: string; name: string }> = {} as never;

async function ok(action: string, body: unknown): Promise<any> {
  const res = await server.post(`/api/executor/v1/${action}`, body);
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

test.before(async () => {
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  service = buildService(db);
  server = await serve(service.app);
  const models = {
    fast: await ok('models/create', { name: 'fast', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 1, reply_tokens: 8 } }),
    slow: await ok('models/create', { name: 'slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 20, reply_tokens: 100 } }),
    failing: await ok('models/create', { name: 'failing', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 1, fail_marker: 'EXPLODE' } }),
  };
  for (const kind of ['fast', 'slow', 'failing'] as const) {
    const agent = { system_prompt: 'You coordinate the teams.', llm_config: { model_id: models[kind].id } };
    const h = await ok('hierarchies/create', sampleHierarchyInput({ name: `cli ${kind}`, global_supervisor_agent: agent }));
    hierarchies[kind] = { id: h.id, name: h.name };
  }
});
test.after.always(async () => {
  await server?.close();
  await service?.stop(1000);
  await db?.drop();
});

const url = () => ['--url', server.url];

function eventsOf(stdout: string): Array<{ sequence: number; run_id: number; event: { category: string; action: string }; data: any }> {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

function assertContiguous(t: import('ava').ExecutionContext, events: Array<{ sequence: number }>): void {
  t.true(events.length > 0, 'some events');
  t.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1), 'sequences 1..n: no gap, no duplicate');
}

test.serial('npx cadre --help works from the project and lists the commands and exit codes', async (t) => {
  const child = spawn('npx', ['cadre', '--help'], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = await once(child, 'close');
  clearTimeout(killer);
  t.is(code, 0);
  for (const command of ['run', 'tail', 'runs', 'inspect', 'delete', 'threads', 'thread', 'hierarchies', 'models', 'agents', 'respond', 'keys']) t.regex(out, new RegExp(`^  ${command}\\b`, 'm'));
  t.regex(out, /Exit codes: 0 ok/);
});

test.serial('run <name> "<task>": plain progress lines (not a TTY), then the answer on stdout, exit 0', async (t) => {
  const r = await cli([...url(), 'run', hierarchies.fast.name, 'Summarise the Q3 sales']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => /^\[\s*\d+\.\d+s\] \d+ agents? active · \d+ tokens · \d+\.\ds \| /.test(l));
  t.true(lines.length >= 5, r.stderr);
  t.true(lines.some((l) => l.includes('started: Summarise the Q3 sales')));
  t.true(lines.some((l) => l.includes('→ team Analysts')));
  t.true(lines.some((l) => /[2-9] agents active/.test(l)), 'dispatch makes more agents active');
  t.regex(r.stderr, /run (\d+) completed in \d+\.\ds · \d+ events · \d+ input \/ \d+ output tokens/);
  t.false(r.stderr.includes('\x1b['), 'no terminal control codes when stderr is not a TTY');
  const runId = Number(/run (\d+) started/.exec(r.stderr)![1]);
  const run = await ok('runs/get', { id: runId });
  t.is(run.status, 'completed');
  t.true(run.result.length > 0);
  t.is(r.stdout, `${run.result}\n`);
});

test.serial('run <id> --json: one event a line, complete and in order, ending with lifecycle.completed', async (t) => {
  const r = await cli([...url(), '--json', 'run', hierarchies.fast.id, 'Count the widgets']);
  t.is(r.code, 0, r.stderr);
  const events = eventsOf(r.stdout);
  assertContiguous(t, events);
  t.like(events.at(-1), { event: { category: 'lifecycle', action: 'completed' } });
  const stored = await ok('runs/events', { id: events[0]!.run_id, limit: 1000 });
  t.is(stored.count, events.length);
});

test.serial('a run that fails exits 1 and says why', async (t) => {
  const r = await cli([...url(), 'run', hierarchies.failing.name, 'please EXPLODE now']);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /run \d+ failed: .+/);
  t.is(r.stdout, '');
});

test.serial('a cancelled run exits 3', async (t) => {
  const started = await ok('runs/start', { hierarchy_id: hierarchies.slow.id, task: 'a long task to cancel' });
  const tail = startCli([...url(), 'tail', String(started.id)]);
  await tail.until((r) => r.stderr.includes('started: a long task'));
  await ok('runs/cancel', { id: started.id });
  t.is(await tail.exited, 3, tail.stderr);
  t.regex(tail.stderr, /run \d+ was cancelled/);
});

test.serial('tail --json resumes with Last-Event-ID when the server cuts the stream: no gap, no duplicate', async (t) => {
  const started = await ok('runs/start', { hierarchy_id: hierarchies.slow.id, task: 'a task long enough to be cut twice' });
  const tail = startCli([...url(), '--json', 'tail', String(started.id)]);
  const lines = () => tail.stdout.split('\n').length - 1;
  const resumes = () => (tail.stderr.match(/resuming after event \d+/g) ?? []).length;
  for (let cut = 1; cut <= 2; cut++) {
    const before = lines();
    await tail.until(() => lines() >= before + 20);
    // Every open connection is dropped: the CLI's stream among them, mid-run.
    server.server.closeAllConnections();
    await tail.until(() => resumes() >= cut);
  }
  t.is(await tail.exited, 0, tail.stderr);
  const events = eventsOf(tail.stdout);
  assertContiguous(t, events);
  t.like(events.at(-1), { event: { category: 'lifecycle', action: 'completed' } });
  t.is(events.length, (await ok('runs/get', { id: started.id })).statistics.event_count);
  const resumed = [...tail.stderr.matchAll(/resuming after event (\d+)/g)].map((m) => Number(m[1]));
  t.true(resumed.length >= 2);
  t.true(resumed.every((after) => after > 0 && after < events.length), 'resumed mid-stream');
});

test.serial('tail --after <id> starts after that event', async (t) => {
  const r1 = await cli([...url(), '--json', 'run', hierarchies.fast.name, 'short one']);
  const runId = eventsOf(r1.stdout)[0]!.run_id;
  const r = await cli([...url(), '--json', 'tail', String(runId), '--after', '5']);
  t.is(r.code, 0, r.stderr);
  const events = eventsOf(r.stdout);
  t.true(events.length > 0);
  t.is(events[0]!.sequence, 6);
  t.is(events.length, eventsOf(r1.stdout).length - 5);
});

test.serial('runs, inspect, hierarchies, models with --json answer what the API has', async (t) => {
  const r1 = await cli([...url(), '--json', 'run', hierarchies.fast.name, 'for the listing']);
  const runId = eventsOf(r1.stdout)[0]!.run_id;

  const runs = await cli([...url(), '--json', 'runs', '--size', '100']);
  t.is(runs.code, 0, runs.stderr);
  const page = JSON.parse(runs.stdout);
  t.true(page.content.length > 0);
  t.true(page.content.some((r: any) => r.id === runId && r.status === 'completed'));
  const completedOnly = JSON.parse((await cli([...url(), '--json', 'runs', '--status', 'completed', '--size', '100'])).stdout);
  t.true(completedOnly.content.length > 0);
  t.true(completedOnly.content.every((r: any) => r.status === 'completed'));

  const inspect = await cli([...url(), '--json', 'inspect', String(runId)]);
  t.is(inspect.code, 0, inspect.stderr);
  const tree = JSON.parse(inspect.stdout);
  t.like(tree, { run_id: runId, live: false, status: 'completed' });
  t.is(tree.tree.kind, 'run');
  t.true(tree.tree.children.length > 0);
  const drawn = await cli([...url(), 'inspect', String(runId)]);
  t.is(drawn.code, 0);
  t.regex(drawn.stdout, /^run \d+ · completed · final tree$/m);
  t.regex(drawn.stdout, /^[ │]*[├└]─ worker Ada \(Analysts\)/m);
  t.regex(drawn.stdout, /^ +└─ worker Cy \(Writers\)/m);

  const hs = JSON.parse((await cli([...url(), '--json', 'hierarchies', '--size', '100'])).stdout);
  t.deepEqual(hs.content.map((h: any) => h.name).sort(), ['cli failing', 'cli fast', 'cli slow']);
  const ms = JSON.parse((await cli([...url(), '--json', 'models', '--size', '100'])).stdout);
  t.deepEqual(ms.content.map((m: any) => m.name).sort(), ['failing', 'fast', 'simulated', 'slow']);
  const table = await cli([...url(), 'models']);
  t.regex(table.stdout, /^ID +NAME +PROVIDER +MODEL +ACTIVE$/m);
  t.regex(table.stdout, /simulated +simulated +simulated +yes/);
});

test.serial('delete <run> deletes the run; the next delete is refused', async (t) => {
  const r1 = await cli([...url(), '--json', 'run', hierarchies.fast.name, 'to be deleted']);
  const runId = eventsOf(r1.stdout)[0]!.run_id;
  const deleted = await cli([...url(), 'delete', String(runId)]);
  t.is(deleted.code, 0, deleted.stderr);
  t.is(deleted.stdout.trim(), `run ${runId} deleted`);
  t.is((await server.post('/api/executor/v1/runs/get', { id: runId })).status, 404);
  const again = await cli([...url(), '--json', 'delete', String(runId)]);
  t.not(again.code, 0);
  t.regex(again.stderr, /not found/);
});

test.serial('--tenant scopes every call: another tenant sees none of these rows', async (t) => {
  const r = await cli([...url(), '--json', '--tenant', 'someone-else', 'hierarchies']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout).content, []);
  t.is((await cli([...url(), '--tenant', 'someone-else', 'run', hierarchies.fast.name, 'x'])).code, 5);
});

test.serial('exit codes: unreachable server 4, unknown run or hierarchy 5, usage 2', async (t) => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
  const down = await cli(['--url', closedUrl, 'runs']);
  t.is(down.code, 4);
  t.true(down.stderr.includes(`cannot reach the Cadre server at ${closedUrl} (ECONNREFUSED)`), down.stderr);
  const tailDown = await cli(['--url', closedUrl, 'tail', '1', '--retry-for', '1']);
  t.is(tailDown.code, 4);
  const missing = await cli([...url(), 'inspect', '987654']);
  t.is(missing.code, 5);
  t.regex(missing.stderr, /run 987654 not found \(HTTP 404 \[RUN_NOT_FOUND\]\)/);
  const noHierarchy = await cli([...url(), 'run', 'no such hierarchy', 'x']);
  t.is(noHierarchy.code, 5);
  t.regex(noHierarchy.stderr, /no hierarchy with id or name "no such hierarchy"/);
  t.is((await cli([...url(), 'frobnicate'])).code, 2);
  t.is((await cli([...url(), 'tail', 'abc'])).code, 2);
  t.is((await cli([...url(), 'run', 'only-one-argument'])).code, 2);
});

test.serial("progress lines name the worker and show its tool results; tail of an ended run reports the run's duration from its record", async (t) => {
  const tenant = 'cli-tools';
  const post = async (action: string, body: unknown) => {
    const res = await server.post(`/api/executor/v1/${action}`, body, { 'x-tenant-id': tenant });
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const model = await post('models/create', { name: 'paced', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 5, reply_tokens: 40 } });
  const base = sampleHierarchyOn(model.id);
  const h = await post('hierarchies/create', {
    ...base, teams: base.teams.map((team, i) => (i > 0 ? team : { ...team, workers: team.workers.map((w) => (w.name === 'Ada' ? { ...w, tools: ['calculator'] } : w)) })),
  });
  const r = await cli([...url(), '--tenant', tenant, 'run', h.name, 'Compute 1250 * 1.2 for the report']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /\| Ada \(Analysts\) calls calculator\(\{"expression":"1250 \* 1\.2"\}\)$/m);
  t.regex(r.stderr, /\| Ada \(Analysts\) ← calculator: 1500$/m);
  t.regex(r.stderr, /\| Ada \(Analysts\) done in \d+\.\ds$/m, 'the worker named, not its supervisor');
  t.regex(r.stderr, /\| Cy \(Writers\) done in \d+\.\ds$/m);
  t.regex(r.stderr, /\| team Analysts done in \d+\.\ds$/m);
  const runId = Number(/run (\d+) started/.exec(r.stderr)![1]);

  // The run has ended: tail replays it at once, and reports how long the run took, as its record says.
  const tail = await cli([...url(), '--tenant', tenant, 'tail', String(runId)]);
  t.is(tail.code, 0, tail.stderr);
  const record = await post('runs/get', { id: runId });
  const took = ((Date.parse(record.completed_at) - Date.parse(record.started_at)) / 1000).toFixed(1);
  t.regex(tail.stderr, new RegExp(`run ${runId} completed in ${took.replace('.', '\\.')}s · `), tail.stderr);
  // Its progress lines keep the run's own timeline (its events' timestamps), not the replay's.
  const events = (await post('runs/events', { id: runId, limit: 1000 })).events as Array<{ timestamp: string }>;
  const span = ((Date.parse(events.at(-1)!.timestamp) - Date.parse(events[0]!.timestamp)) / 1000).toFixed(1);
  t.regex(tail.stderr, new RegExp(`^\\[\\s*${span.replace('.', '\\.')}s\\] 0 agents active · \\d+ tokens · ${span.replace('.', '\\.')}s \\| completed$`, 'm'), tail.stderr);
});
