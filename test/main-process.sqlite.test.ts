import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { uniqueName } from './helpers/backends.ts';

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

/** Reads a streamed body until `done(text)` holds or the body ends; returns the text so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, text = ''): Promise<string> {
  const decoder = new TextDecoder();
  while (!done(text)) {
    const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

// A data directory of its own: without SECRETS_KEY the process makes its secrets key file there.
const dataDir = join(tmpdir(), uniqueName('cadre_main'));
const dbFile = join(dataDir, 'cadre.sqlite');
test.after.always(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

test.serial('npm start: logs its URL and database, serves, and on SIGTERM cancels live runs and exits 0', async (t) => {
  const service = await startService(dbFile);
  t.regex(service.logs.join('\n'), /Cadre listening on http:\/\/127\.0\.0\.1:\d+ \(database: sqlite \(libsql\) /);
  t.true(service.logs.join('\n').includes(`tenant secrets: key from key file ${join(dataDir, 'secrets.key')}`), service.logs.join('\n'));
  t.is((await stat(join(dataDir, 'secrets.key'))).mode & 0o777, 0o600);
  const health = (await (await fetch(`${service.url}/health`)).json()) as { data: { status: string } };
  t.is(health.data.status, 'UP');
  const model = await post(service.url, 'models/create', { name: 'slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 50, reply_tokens: 200 } });
  const agent = (p: string) => ({ system_prompt: p, llm_config: { model_id: model.data.id } });
  const h = await post(service.url, 'hierarchies/create', {
    name: 'h', global_supervisor_agent: agent('You coordinate.'),
    teams: [{ name: 'T', team_supervisor_agent: agent('You lead.'), workers: [{ name: 'W', role: 'analyst', ...agent('You are W, an analyst.') }] }],
  });
  const run = await post(service.url, 'runs/start', { hierarchy_id: h.data.id, task: 'a long task' });
  // Wait until the run is visibly working: its stream has delivered a model token.
  const reader = (await fetch(`${service.url}${run.data.stream_url}`)).body!.getReader();
  const seen = await readUntil(reader, (text) => text.includes('event: llm.'));
  service.child.kill('SIGTERM');
  const [code] = await once(service.child, 'exit');
  t.is(code, 0, service.logs.join('\n'));
  // The stream got the terminal event before the process left.
  const rest = await readUntil(reader, () => false, seen);
  t.true(rest.includes('event: lifecycle.cancelled'));
  t.true(rest.includes('event: close'));

  const again = await startService(dbFile);
  const after = await post(again.url, 'runs/get', { id: run.data.id });
  t.is(after.data.status, 'cancelled');
  again.child.kill('SIGKILL');
  await once(again.child, 'exit');
});

test.serial('a run left running by a killed process fails "owner lost" once its lease lapses, seen by the next process', async (t) => {
  const service = await startService(dbFile);
  const models = await post(service.url, 'models/list', {});
  const slow = models.data.content.find((m: any) => m.name === 'slow');
  const h = await post(service.url, 'hierarchies/create', {
    name: 'h2', global_supervisor_agent: { system_prompt: 'x', llm_config: { model_id: slow.id } },
    teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 'y' }, workers: [{ name: 'W', role: 'r', system_prompt: 'z' }] }],
  });
  const run = await post(service.url, 'runs/start', { hierarchy_id: h.data.id, task: 'doomed' });
  const reader = (await fetch(`${service.url}${run.data.stream_url}`)).body!.getReader();
  await readUntil(reader, (text) => text.includes('event: llm.'));
  t.is((await post(service.url, 'runs/get', { id: run.data.id })).data.status, 'running');
  service.child.kill('SIGKILL');
  await once(service.child, 'exit');
  const killedAt = Date.now();
  const again = await startService(dbFile);
  // Its lease (6 s) had not lapsed at start-up: the run is ended by the periodic sweep, within 10 s.
  let after = await post(again.url, 'runs/get', { id: run.data.id });
  while (after.data.status === 'running' && Date.now() - killedAt < 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    after = await post(again.url, 'runs/get', { id: run.data.id });
  }
  t.like(after.data, { status: 'failed', error: 'owner lost' });
  t.true(Date.now() - killedAt < 12_000, `ended ${Date.now() - killedAt} ms after the kill`);
  // Its stream ends at once with the history (the run will never write again).
  const body = await (await fetch(`${again.url}${run.data.stream_url}`)).text();
  t.true(body.includes('event: lifecycle.failed'), 'the stream ends with the terminal event the dead process never wrote');
  t.true(body.includes('event: close'));
  again.child.kill('SIGTERM');
  t.is((await once(again.child, 'exit'))[0], 0);
});
