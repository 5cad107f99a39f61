import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { uniqueName } from './helpers/backends.ts';
import { collectUntilClose, eventFrames, openSse } from './helpers/sse-client.ts';

/** The real process entry (what `npm start` runs), on an ephemeral port and a database of its own. */
interface Service {
  child: ChildProcess;
  url: string;
  logs: string[];
}

async function startService(dbFile: string): Promise<Service> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: dbFile, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '5000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited early (${code}): ${logs.join('\n')}`)));
    lines.on('line', (line) => {
      logs.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  return { child, url, logs };
}

async function post(url: string, action: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}/api/executor/v1/${action}`, { method: 'POST', body: JSON.stringify(body) });
  return res.json();
}

// A data directory of its own: without SECRETS_KEY the process makes its secrets key file there.
const dataDir = join(tmpdir(), uniqueName('cadre_main'));
const dbFile = join(dataDir, 'cadre.sqlite');
test.after.always(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

test.serial('npm start: logs its URL and database, serves; SIGTERM hands a live run on and exits 0; the next start resumes it and a client resumes its stream there', async (t) => {
  const service = await startService(dbFile);
  t.regex(service.logs.join('\n'), /Cadre listening on http:\/\/127\.0\.0\.1:\d+ \(database: sqlite \(libsql\) /);
  // The start line says where a newcomer goes next: the viewer (served there) and the API docs.
  const [, base, viewer] = /listening on (http:\/\/\S+) .*; run viewer at (http:\/\/\S+\/viewer\/), API docs at \S+\/swagger-ui\.html/.exec(service.logs.join('\n')) ?? [];
  t.is(viewer, `${base}/viewer/`);
  t.is((await fetch(viewer!)).status, 200);
  t.true(service.logs.join('\n').includes(`tenant secrets: key from key file ${join(dataDir, 'secrets.key')}`), service.logs.join('\n'));
  t.is((await stat(join(dataDir, 'secrets.key'))).mode & 0o777, 0o600);
  const health = (await (await fetch(`${service.url}/health`)).json()) as { data: { status: string } };
  t.is(health.data.status, 'UP');
  // Turns of ≈ 2 s, five of them: the run outlasts the grace (5 s).
  const paced = await post(service.url, 'models/create', { name: 'paced', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 20, reply_tokens: 100 } });
  await post(service.url, 'models/create', { name: 'slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 50, reply_tokens: 200 } });
  const agent = (p: string) => ({ system_prompt: p, llm_config: { model_id: paced.data.id } });
  const h = await post(service.url, 'hierarchies/create', {
    name: 'h', global_supervisor_agent: agent('You coordinate.'),
    teams: [{ name: 'T', team_supervisor_agent: agent('You lead.'), workers: [{ name: 'W', role: 'analyst', ...agent('You are W, an analyst.') }] }],
  });
  const run = await post(service.url, 'runs/start', { hierarchy_id: h.data.id, task: 'a long task' });
  // Wait until the run is visibly working: its stream has delivered a model token.
  const first = await openSse(`${service.url}${run.data.stream_url}`);
  await first.until((f) => f.event.startsWith('llm.'));
  service.child.kill('SIGTERM');
  const [code] = await once(service.child, 'exit');
  t.is(code, 0, service.logs.join('\n'));
  // The stream on the leaving process ended without a terminal event: the run goes on elsewhere.
  for await (const _ of first) { /* to its end */ }
  const before = eventFrames(first.frames);
  t.true(before.length > 0);
  t.false(before.some((f) => /^lifecycle\.(completed|failed|cancelled)$/.test(f.event)), before.map((f) => f.event).join(' '));

  // The next start resumes it; the client reconnects there with the last id it saw.
  const again = await startService(dbFile);
  const rest = await collectUntilClose(`${again.url}${run.data.stream_url}`, { headers: { 'last-event-id': before.at(-1)!.id! } });
  const after = eventFrames(rest.frames);
  const ids = [...before, ...after].map((f) => Number(f.id));
  t.deepEqual(ids, ids.map((_, k) => k + 1), 'the two connections together carry 1..N, no gap, no duplicate');
  t.is(after.filter((f) => f.event === 'lifecycle.resumed').length, 1, [...after.filter((f) => f.event.startsWith('lifecycle')).map((f) => f.data), ...again.logs.filter((l) => /resum|lost|conflict|renumber|error/i.test(l))].join('\n'));
  t.is(after.at(-1)?.event, 'lifecycle.completed');
  t.is(rest.frames.at(-1)?.event, 'close');
  const done = await post(again.url, 'runs/get', { id: run.data.id });
  t.like(done.data, { status: 'completed', resumes: { count: 1 } }, JSON.stringify(done.data.resumes));
  t.false(JSON.stringify(after).includes('lifecycle.cancelled'), 'a hand-off cancels nothing');
  again.child.kill('SIGKILL');
  await once(again.child, 'exit');
});

test.serial('a run left running by a killed process is resumed by the next process once its lease lapses, and completes', async (t) => {
  const service = await startService(dbFile);
  const models = await post(service.url, 'models/list', {});
  const paced = models.data.content.find((m: any) => m.name === 'paced');
  const h = await post(service.url, 'hierarchies/create', {
    name: 'h2', global_supervisor_agent: { system_prompt: 'x', llm_config: { model_id: paced.id } },
    teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 'y' }, workers: [{ name: 'W', role: 'r', system_prompt: 'z' }] }],
  });
  const run = await post(service.url, 'runs/start', { hierarchy_id: h.data.id, task: 'doomed' });
  const first = await openSse(`${service.url}${run.data.stream_url}`);
  await first.until((f) => f.event.startsWith('llm.'));
  first.close();
  t.is((await post(service.url, 'runs/get', { id: run.data.id })).data.status, 'running');
  service.child.kill('SIGKILL');
  await once(service.child, 'exit');
  const killedAt = Date.now();
  const again = await startService(dbFile);
  // Its lease (6 s) had not lapsed at start-up: the periodic sweep resumes it once it has.
  const stream = await collectUntilClose(`${again.url}${run.data.stream_url}`);
  const frames = eventFrames(stream.frames);
  t.log(`completed ${Date.now() - killedAt} ms after the kill`);
  t.deepEqual(frames.map((f) => Number(f.id)), frames.map((_, k) => k + 1), 'its whole log, 1..N');
  t.is(frames.filter((f) => f.event === 'lifecycle.resumed').length, 1);
  t.is(frames.at(-1)?.event, 'lifecycle.completed');
  t.is(stream.frames.at(-1)?.event, 'close');
  const after = await post(again.url, 'runs/get', { id: run.data.id });
  t.like(after.data, { status: 'completed', resumes: { count: 1 } });
  t.regex(after.data.resumes.history[0].reason, /lease .* lapsed/);
  again.child.kill('SIGTERM');
  t.is((await once(again.child, 'exit'))[0], 0);
});
