import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';
import { CADRE_BIN } from './helpers/cli-process.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import type { Service } from '../src/compose.ts';

/**
 * Ctrl-C under `cadre run` cancels the run and exits 3 (README, exit-codes.ts), also under
 * `npx cadre`, where npm and its shell get the terminal's SIGINT too and npm passes it on once
 * more (.npmrc makes that shell bash, which ends with the command's exit code).
 */
let db: TestDatabase;
let service: Service;
let server: TestServer;
let slow: { id: string; name: string };

test.before(async () => {
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  service = buildService(db);
  server = await serve(service.app);
  const model = (await server.post('/api/executor/v1/models/create', { name: 'slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 20, reply_tokens: 200 } })).body.data;
  slow = (await server.post('/api/executor/v1/hierarchies/create', sampleHierarchyInput({ name: 'ctrl-c slow', global_supervisor_agent: { system_prompt: 'g', llm_config: { model_id: model.id } } }))).body.data;
});
test.after.always(async () => {
  await server?.close();
  await service?.stop(1000);
  await db?.drop();
});

/**
 * Starts `command` in a process group of its own (as a shell starts a foreground job), sends
 * SIGINT once the run started — to the whole group (`group`, a terminal's Ctrl-C) or to the
 * process alone (`kill -INT`) — and answers how it ended.
 */
async function interrupt(command: string, args: string[], target: 'group' | 'process'): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(command, args, {
    cwd: new URL('..', import.meta.url), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CADRE_URL: undefined, CADRE_API_KEY: undefined },
  });
  let stderr = '';
  let sent = false;
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    if (!sent && /started: a task to interrupt/.test(stderr)) {
      sent = true;
      if (target === 'group') process.kill(-child.pid!, 'SIGINT');
      else child.kill('SIGINT');
    }
  });
  child.stdout!.resume();
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
  const [code, signal] = await once(child, 'close') as [number | null, string | null];
  clearTimeout(killer);
  return { code, signal, stderr };
}

async function runOf(stderr: string): Promise<{ status: string }> {
  const id = Number(/run (\d+) started/.exec(stderr)?.[1]);
  return (await server.post('/api/executor/v1/runs/get', { id })).body.data;
}

test.serial('npx cadre run: a Ctrl-C (SIGINT to the whole process group) cancels the run and exits 3', async (t) => {
  const r = await interrupt('npx', ['cadre', '--url', server.url, 'run', slow.name, 'a task to interrupt'], 'group');
  t.is(r.signal, null, r.stderr);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /cancelling run \d+…/);
  t.regex(r.stderr, /run \d+ was cancelled/);
  t.is((await runOf(r.stderr)).status, 'cancelled');
});

test.serial('cadre run without npm: a SIGINT to the process alone (kill -INT) cancels the run and exits 3', async (t) => {
  const r = await interrupt(process.execPath, [CADRE_BIN, '--url', server.url, 'run', slow.name, 'a task to interrupt'], 'process');
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /run \d+ was cancelled/);
  t.is((await runOf(r.stderr)).status, 'cancelled');
});
