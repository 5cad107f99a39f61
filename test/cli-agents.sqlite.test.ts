import test from 'ava';
import { buildService } from './helpers/api-harness.ts';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { cli, startCli } from './helpers/cli-process.ts';
import { pollUntil } from './helpers/cadre-process.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import type { Service } from '../src/compose.ts';

/** `cadre agents cancel|steer` as a child process against the composed service, and `cadre tail` showing them. */
let db: TestDatabase;
let service: Service;
let server: TestServer;
let hierarchyId: string;

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
  // Paced: a worker's answer streams for seconds, time to act on it mid-stream.
  const model = await ok('models/create', { name: 'paced', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 25, reply_tokens: 160, jitter_ms: 0 } });
  hierarchyId = (await ok('hierarchies/create', sampleHierarchyOn(model.id))).id;
});
test.after.always(async () => {
  await server?.close();
  await service?.stop(1000);
  await db?.drop();
});

const url = () => ['--url', server.url];

test.serial('agents cancel <run> <worker name> stops that worker mid-stream with its partial output; steer reaches a supervisor; tail shows both', async (t) => {
  const run = await ok('runs/start', { hierarchy_id: hierarchyId, task: 'Cancel one worker from the CLI' });
  const tail = startCli([...url(), 'tail', String(run.id)]);
  const detail = await ok('runs/get', { id: run.id });
  const ada = detail.topology_snapshot.teams[0].workers.find((w: any) => w.name === 'Ada').agent_id as string;
  const lead = detail.topology_snapshot.teams[0].supervisor.agent_id as string;
  await pollUntil('Ada streaming', 30_000, async () => {
    const events = (await ok('runs/events', { id: run.id, limit: 1000 })).events as any[];
    return events.some((e) => e.event.action === 'stream' && e.source?.agent_id === ada) ? true : undefined;
  }, 50);

  const steer = await cli([...url(), 'agents', 'steer', String(run.id), 'Analysts supervisor', 'Keep it short.']);
  t.is(steer.code, 0, steer.stderr);
  t.is(steer.stdout, `agent ${lead} of run ${run.id} steered: its next model turn gets the message\n`);

  const cancel = await cli([...url(), 'agents', 'cancel', String(run.id), 'Ada']);
  t.is(cancel.code, 0, cancel.stderr);
  t.regex(cancel.stdout, new RegExp(`^agent ${ada} of run ${run.id} stopped: cancelled · \\d+ model calls?, \\d+ in / \\d+ out tokens · .*partial output \\(\\d+ chars\\): \\S`));

  // Stopped for good: a second cancel is refused (exit 5) and says why; so is an unknown agent.
  const again = await cli([...url(), '--json', 'agents', 'cancel', String(run.id), ada, '--graceful']);
  t.is(again.code, 5, again.stderr);
  t.regex(again.stderr, /AGENT_ALREADY_STOPPED/);
  const unknown = await cli([...url(), 'agents', 'steer', String(run.id), 'nobody', 'hello']);
  t.is(unknown.code, 5);
  t.regex(unknown.stderr, /AGENT_NOT_FOUND/);

  t.is(await tail.exited, 0, tail.stderr);
  t.regex(tail.stderr, /\| Supervisor \(Analysts\) steered: "Keep it short\." \(for its next model turn\)/);
  t.regex(tail.stderr, /\| Ada \(Analysts\) cancelled \(hard\), kept \d+ chars of partial output/);
  // Completed, though an agent did not: the summary says so, and the exit code stays 0 (README, CLI).
  t.regex(tail.stderr, new RegExp(`^run ${run.id} completed with errors \\(1 agent did not complete: Ada cancelled\\) in \\d+\\.\\ds · \\d+ events`, 'm'));
  t.regex(tail.stderr, /\| Ada \(Analysts\) cancelled after \d+\.\ds: agent cancelled/, 'the worker named, with how long it worked');
  const final = await ok('runs/get', { id: run.id });
  t.like(final, { status: 'completed', completed_with_errors: true, error_count: 1 });
  t.is(final.statistics.agents[ada].outcome.status, 'cancelled');
  const listed = await cli([...url(), 'runs']);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, new RegExp(`^${run.id} +completed with errors +`, 'm'));

  // inspect names each agent's id (what agents cancel|steer take) and a non-completed outcome.
  const drawn = await cli([...url(), 'inspect', String(run.id)]);
  t.is(drawn.code, 0, drawn.stderr);
  t.regex(drawn.stdout, new RegExp(`worker Ada \\(Analysts\\) · .*cancelled \\(partial output \\d+ chars\\) · id ${ada}`));
  t.regex(drawn.stdout, new RegExp(`worker Bob \\(Analysts\\) · .*id ${detail.topology_snapshot.teams[0].workers[1].agent_id}`));

  const ended = await cli([...url(), 'agents', 'cancel', String(run.id), 'Bob']);
  t.is(ended.code, 5);
  t.regex(ended.stderr, /RUN_ALREADY_ENDED/);
});

test.serial('agents --json prints the answer as the API gives it; respond without a choice is a usage error (exit 2) before any request', async (t) => {
  const run = await ok('runs/start', { hierarchy_id: hierarchyId, task: 'Steer from the CLI as JSON' });
  const lead = (await ok('runs/get', { id: run.id })).topology_snapshot.global_supervisor.agent_id as string;
  await pollUntil(`run ${run.id} running`, 30_000, async () => ((await ok('runs/get', { id: run.id })).status === 'running' ? true : undefined), 50);
  const steer = await cli([...url(), '--json', 'agents', 'steer', String(run.id), lead, 'Wrap up.']);
  t.is(steer.code, 0, steer.stderr);
  t.deepEqual(JSON.parse(steer.stdout), { run_id: run.id, agent_id: lead, status: 'steered' });
  await ok('runs/cancel', { id: run.id });
  const bad = await cli(['--url', 'http://127.0.0.1:1', 'respond', String(run.id), 'req-1']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /exactly one of --approve, --deny, --answer/);
});
