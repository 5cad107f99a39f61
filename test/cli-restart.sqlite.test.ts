import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './helpers/backends.ts';
import { startCli } from './helpers/cli-process.ts';
import { startServiceProcess, type ServiceProcess } from './helpers/service-process.ts';
import { sampleHierarchyInput } from './helpers/fixtures.ts';

/** `cadre tail` across a server that dies mid-run and comes back: it waits, resumes, misses nothing. */
const dbFile = join(tmpdir(), `${uniqueName('cadre_cli_restart')}.sqlite`);
const services: ServiceProcess[] = [];
test.after.always(async () => {
  await Promise.all(services.map((s) => s.kill()));
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

async function ok(url: string, action: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}/api/executor/v1/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { data: unknown };
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

test('tail --json follows a run through a server restart: the run resumes on the new process and the stream has no gap or duplicate to its completed end', async (t) => {
  const first = await startServiceProcess({ DATABASE_URL: dbFile });
  services.push(first);
  const model = await ok(first.url, 'models/create', { name: 'slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 10, reply_tokens: 60 } });
  const agent = { system_prompt: 'You coordinate.', llm_config: { model_id: model.id } };
  const h = await ok(first.url, 'hierarchies/create', sampleHierarchyInput({ global_supervisor_agent: agent }));
  const run = await ok(first.url, 'runs/start', { hierarchy_id: h.id, task: 'a run the server will not finish' });

  const tail = startCli(['--url', first.url, '--json', 'tail', String(run.id), '--retry-for', '60']);
  await tail.until((r) => r.stdout.split('\n').length > 20);
  await first.kill();
  await tail.until((r) => /stream dropped .*; resuming after event \d+/.test(r.stderr));
  // While the server is down the CLI keeps retrying; then it comes back on the same port.
  const second = await startServiceProcess({ DATABASE_URL: dbFile }, first.port);
  services.push(second);

  // The restarted process resumes the dead owner's run from its checkpoint (durable runs) and
  // the CLI, reconnected with Last-Event-ID, follows it to its end.
  t.is(await tail.exited, 0, tail.stderr);
  const events = tail.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  t.true(events.length > 20);
  t.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1), 'sequences 1..n: no gap, no duplicate');
  t.like(events.at(-1), { event: { category: 'lifecycle', action: 'completed' } });
  t.is(events.filter((e) => e.event.action === 'resumed').length, 1, 'resumed once, seen in the stream');
  const stored = await ok(second.url, 'runs/events', { id: run.id, limit: 1000 });
  t.is(stored.count, events.length);
  const resumedAfter = Number(/resuming after event (\d+)/.exec(tail.stderr)![1]);
  t.true(resumedAfter >= 20 && resumedAfter < events.length);
});
