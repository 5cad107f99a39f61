import test, { type ExecutionContext } from 'ava';
import { useApiHarness, type Api } from './helpers/api-harness.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { uniqueName } from './helpers/backends.ts';
import { collectUntilClose, openSse, type SseFrame, type SseStream } from './helpers/sse-client.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { inspectionEventSchema, INSPECT_WIRE_VERSION } from '../src/domain/inspection-schemas.ts';
import { within } from './helpers/within-deadline.ts';

// runs/inspect/stream on one process (SQLite, no Redis): a run's actor system in @statelyai/inspect's
// wire format, every frame validated against the schema mirroring the package's types.
const harness = useApiHarness('sqlite');
const TENANT = 'inspect-stream';

/** A simulated hierarchy (two teams, three workers) whose workers each stream `tokens` tokens `delayMs` apart. */
async function hierarchy(api: Api, delayMs: number, tokens: number): Promise<string> {
  const model = await api.ok('models/create', { name: uniqueName('m'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: delayMs, reply_tokens: tokens } });
  return (await api.ok('hierarchies/create', sampleHierarchyOn(model.id))).id;
}

const streamUrl = (id: number, tenant = TENANT) => `${harness().server.url}${API_PREFIX}/runs/inspect/stream?id=${id}&tenantId=${tenant}`;

/** The wire events of a stream's frames, each checked against the wire schema. */
function wireEvents(t: ExecutionContext, frames: SseFrame[]): any[] {
  const events = frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data));
  for (const e of events) {
    const parsed = inspectionEventSchema.safeParse(e);
    t.true(parsed.success, `${JSON.stringify(e).slice(0, 300)}: ${parsed.error?.message}`);
  }
  return events;
}

async function agentIds(api: Api, runId: number): Promise<{ all: string[]; workers: string[] }> {
  const topology = (await api.ok('runs/get', { id: runId })).topology_snapshot;
  const workers = topology.teams.flatMap((team: any) => team.workers.map((w: any) => w.agent_id));
  return { all: [topology.global_supervisor.agent_id, ...topology.teams.map((team: any) => team.supervisor.agent_id), ...workers], workers };
}

test('a live run streams @xstate.actor, @xstate.event and @xstate.snapshot in the wire format, under stable session ids, then closes', async (t) => {
  const api = harness().api(t, TENANT);
  const run = await api.ok('runs/start', { hierarchy_id: await hierarchy(api, 5, 20), task: 'Study the market' });
  const stream = await within(collectUntilClose(streamUrl(run.id)), 60_000, 'the inspection stream to close');
  t.is(stream.status, 200);
  t.is(stream.frames.at(-1)?.event, 'close');
  const events = wireEvents(t, stream.frames);
  t.true(events.length > 20, `${events.length} events`);
  for (const type of ['@xstate.actor', '@xstate.event', '@xstate.snapshot']) t.true(events.some((e) => e.type === type), type);
  t.true(events.every((e) => e.rootId === `run:${run.id}` && e._version === INSPECT_WIRE_VERSION));

  const { all, workers } = await agentIds(api, run.id);
  const actors = new Map(events.filter((e) => e.type === '@xstate.actor').map((e) => [e.sessionId, e]));
  t.true(actors.has(`run:${run.id}`), 'the run itself');
  for (const id of all) t.true(actors.has(`agent:${id}`), `agent ${id} announced`);
  // An agent's definition is its machine's config: the states the viewer draws.
  const worker = actors.get(`agent:${workers[0]}`);
  t.deepEqual(Object.keys(JSON.parse(worker.definition).states).sort(), ['idle', 'stopped', 'usingTools', 'working']);
  t.true(String(worker.parentId).startsWith('agent:'), 'a worker is its team supervisor\'s child');
  // Plumbing is not shown: the sink's EMITs are runs/stream's events, the resources are live objects.
  t.false(events.some((e) => e.sessionId === 'sink' || e.sessionId === 'run-resources'));

  for (const id of workers) {
    t.true(events.some((e) => e.type === '@xstate.event' && e.sessionId === `agent:${id}` && e.event.type === 'TASK'), `${id} got its TASK`);
    t.true(events.some((e) => e.type === '@xstate.snapshot' && e.sessionId === `agent:${id}` && e.snapshot.value === 'working'), `${id} worked`);
  }
  // Contexts are summarised: conversations as counts, no string past the cut.
  const contexts = events.filter((e) => e.snapshot?.context?.messages !== undefined).map((e) => e.snapshot.context.messages);
  t.true(contexts.length > 0);
  t.true(contexts.every((m) => typeof m === 'string' || (Array.isArray(m) && m.length === 0)), JSON.stringify(contexts.slice(0, 3)));
  const root = events.filter((e) => e.sessionId === `run:${run.id}` && e.type === '@xstate.snapshot').at(-1);
  t.is(root.snapshot.status, 'done');
});

test('a late subscriber is first told the live tree: every agent, with its current snapshot, then what happens next', async (t) => {
  const api = harness().api(t, TENANT);
  const run = await api.ok('runs/start', { hierarchy_id: await hierarchy(api, 20, 40), task: 'Write the report' });
  const { all, workers } = await agentIds(api, run.id);
  const first = await openSse(streamUrl(run.id));
  t.teardown(() => first.close());
  // Once the first worker works, a second developer opens the stream.
  await within(first.until((f) => f.event === 'message' && JSON.parse(f.data).sessionId === `agent:${workers[0]}` && JSON.parse(f.data).event?.type === 'TASK'), 30_000, 'the first TASK');
  const late = await openSse(streamUrl(run.id));
  t.teardown(() => late.close());
  await within(late.until((f) => f.event === 'message' && JSON.parse(f.data).type !== '@xstate.actor'), 30_000, 'a live event after the tree');
  const frames = late.frames.filter((f) => f.event === 'message');
  const firstLive = frames.findIndex((f) => JSON.parse(f.data).type !== '@xstate.actor');
  const tree = wireEvents(t, frames.slice(0, firstLive));
  t.true(tree.length >= all.length + 1);
  t.is(tree[0].sessionId, `run:${run.id}`, 'parents first: the run');
  t.is(tree[0].snapshot.status, 'active');
  for (const id of all) t.true(tree.some((e) => e.sessionId === `agent:${id}`), `${id} in the tree`);
  const adaNow = tree.find((e) => e.sessionId === `agent:${workers[0]}`);
  t.is(adaNow.snapshot.value, 'working', 'the worker busy when the stream opened is shown working');
  const rest = await within(collectRest(late), 60_000, 'the late stream to close');
  t.is(rest.frames.at(-1)?.event, 'close');
  wireEvents(t, rest.frames);
});

async function collectRest(stream: SseStream): Promise<SseStream> {
  for await (const _ of stream) {
    // drain to the end
  }
  return stream;
}

test('an ended run: the stream sends its final tree (from the stored statistics) and closes', async (t) => {
  const api = harness().api(t, TENANT);
  const run = await api.ok('runs/start', { hierarchy_id: await hierarchy(api, 0, 5), task: 'Quick one' });
  await within(collectUntilClose(`${harness().server.url}${API_PREFIX}/runs/stream?id=${run.id}&tenantId=${TENANT}`), 60_000, 'the run to end');
  const stream = await within(collectUntilClose(streamUrl(run.id), { method: 'POST', body: { id: run.id }, headers: { 'x-tenant-id': TENANT } }), 30_000, 'the stream to close');
  t.is(stream.frames.at(-1)?.event, 'close');
  const events = wireEvents(t, stream.frames);
  const { all } = await agentIds(api, run.id);
  t.is(events.length, all.length + 1, 'the run and its agents');
  t.true(events.every((e) => e.type === '@xstate.actor'));
  t.like(events[0], { sessionId: `run:${run.id}`, snapshot: { status: 'done' } });
  for (const e of events.slice(1)) {
    t.is(e.snapshot.status, 'stopped');
    t.is(e.snapshot.context.outcome.status, 'completed');
    t.truthy(JSON.parse(e.definition).states, 'definitions by kind');
  }
});

test("another tenant's run is 404 on the stream, and so is a run that does not exist", async (t) => {
  const api = harness().api(t, TENANT);
  const run = await api.ok('runs/start', { hierarchy_id: await hierarchy(api, 0, 3), task: 'Mine' });
  const other = await openSse(streamUrl(run.id, 'someone-else'));
  t.is(other.status, 404);
  t.is(other.json?.error_code, 'RUN_NOT_FOUND');
  const posted = await openSse(`${harness().server.url}${API_PREFIX}/runs/inspect/stream`, { body: { id: run.id }, headers: { 'x-tenant-id': 'someone-else' } });
  t.is(posted.status, 404);
  const missing = await openSse(streamUrl(999_999));
  t.is(missing.status, 404);
  const bad = await openSse(`${harness().server.url}${API_PREFIX}/runs/inspect/stream?id=abc&tenantId=${TENANT}`);
  t.is(bad.status, 400);
  t.regex(String(bad.json?.error), /^id:/);
});

test('nobody watching costs nothing: a closed stream leaves the run unobserved, and the run goes on', async (t) => {
  const api = harness().api(t, TENANT);
  const run = await api.ok('runs/start', { hierarchy_id: await hierarchy(api, 30, 60), task: 'Slowly' });
  const { runtime } = harness().service;
  t.is(runtime.watchers(run.id), 0);
  const stream = await openSse(streamUrl(run.id));
  await within(stream.until((f) => f.event === 'message'), 30_000, 'the tree');
  t.is(runtime.watchers(run.id), 1);
  stream.close();
  await within(new Promise<void>((resolve) => {
    const poll = () => (runtime.watchers(run.id) === 0 ? resolve() : setTimeout(poll, 10));
    poll();
  }), 20_000, 'the watcher to leave');
  t.true(runtime.isLive(TENANT, run.id), 'the run goes on');
  await api.ok('runs/cancel', { id: run.id });
});

test('a run still waiting for its turn (enqueued behind its thread) is watched until it starts here, then followed live', async (t) => {
  const api = harness().api(t, TENANT);
  const hierarchyId = await hierarchy(api, 10, 20);
  const thread = (await api.ok('threads/create', { hierarchy_id: hierarchyId })).id;
  const first = await api.ok('runs/start', { thread_id: thread, task: 'First' });
  const second = await api.ok('runs/start', { thread_id: thread, task: 'Then this', multitask_strategy: 'enqueue' });
  t.is((await api.ok('runs/get', { id: second.id })).status, 'pending');
  const stream = await openSse(streamUrl(second.id));
  t.is(stream.status, 200);
  await within(collectUntilClose(`${harness().server.url}${API_PREFIX}/runs/stream?id=${first.id}&tenantId=${TENANT}`), 60_000, 'the first run to end');
  // Its turn came: the host's sweep starts it (this harness runs no timers of the host).
  await harness().service.host.sweep();
  await within(collectRest(stream), 60_000, 'the enqueued run\'s stream to close');
  t.is(stream.frames.at(-1)?.event, 'close');
  const events = wireEvents(t, stream.frames);
  t.true(events.some((e) => e.type === '@xstate.event' && e.event.type === 'TASK'), 'followed live once it started');
  t.is(events.filter((e) => e.sessionId === `run:${second.id}` && e.type === '@xstate.snapshot').at(-1)?.snapshot.status, 'done');
});
