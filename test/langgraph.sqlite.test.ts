import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@langchain/langgraph-sdk';
import { uniqueName } from './helpers/backends.ts';
import { pollUntil, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';
import { cli } from './helpers/cli-process.ts';

// The LangGraph Platform API at /lg, driven by the official client (@langchain/langgraph-sdk)
// against a real process on the embedded default and a model server that records what each
// agent was asked: hierarchies as assistants, Cadre threads and runs as LangGraph's.
const dbFile = join(tmpdir(), `${uniqueName('cadre_lg')}.sqlite`);
/** Workers stream 30 pieces 15 ms apart (≈ 0.5 s): a run stays live long enough to cancel or drop. */
const fixture = new CountingProviderServer(15, 30, { toolInputs: { ask_human: (task) => ({ question: `Which colour for ${task.slice(0, 12)}?` }) } });
let p: CadreProcess;
let client: Client;
const name = uniqueName('lg');
let hierarchyId = '';
const askerName = uniqueName('lg-asker');

type Part = { id?: string; event: string; data: any };

test.before(async () => {
  const url = await fixture.start();
  p = await startCadre({ DATABASE_URL: dbFile, ...COUNTED_ENV });
  const model = await p.post('models/create', { name: 'counted', provider: 'openai-compatible', model_id: 'counted', base_url: `${url}/v1` });
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name, description: `The ${name} team`, global_supervisor_agent: agent(`You are G of ${name}.`),
    teams: [{ name: 'Writers', team_supervisor_agent: agent(`You are T of ${name}.`), workers: [{ name: 'W', role: 'writer', ...agent(`You are W of ${name}.`) }] }],
  });
  if (h.status !== 200) throw new Error(JSON.stringify(h.body));
  hierarchyId = h.body.data.id;
  const asker = await p.post('hierarchies/create', {
    name: askerName, global_supervisor_agent: agent(`You are G of ${askerName}.`),
    teams: [{ name: 'Ask', team_supervisor_agent: agent(`You are T of ${askerName}.`), workers: [{ name: 'A', role: 'asker', ...agent(`You are A of ${askerName}.`), tools: ['ask_human'] }] }],
  });
  if (asker.status !== 200) throw new Error(JSON.stringify(asker.body));
  client = new Client({ apiUrl: `${p.url}/lg`, apiKey: null });
});

test.after.always(async () => {
  await p?.kill();
  await fixture.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

const human = (text: string) => ({ messages: [{ role: 'human', content: text }] });

/** Every part of a stream, with a deadline. */
async function collect(stream: AsyncGenerator<Part>, deadlineMs = 60_000): Promise<Part[]> {
  const parts: Part[] = [];
  const timer = setTimeout(() => void stream.return(undefined), deadlineMs);
  try {
    for await (const part of stream) parts.push(part);
  } finally {
    clearTimeout(timer);
  }
  return parts;
}

async function newThread(metadata: Record<string, unknown> = {}): Promise<string> {
  return (await client.threads.create({ metadata: { assistant_id: name, ...metadata } })).thread_id;
}

const untilRunIs = (thread: string, run: string, statuses: string[]) => pollUntil(`run ${run} to be ${statuses}`, 60_000, async () => {
  const found = await client.runs.get(thread, run);
  return statuses.includes(found.status) ? found : undefined;
}, 50);

test('assistants: every hierarchy is one of graph "cadre", by id or name, with messages schemas', async (t) => {
  const found = await client.assistants.search({ limit: 100 });
  t.true(found.length > 0);
  const mine = found.find((a) => a.assistant_id === hierarchyId);
  t.like(mine, { graph_id: 'cadre', name, description: `The ${name} team` });
  t.is((await client.assistants.get(hierarchyId)).name, name);
  t.is((await client.assistants.get(name)).assistant_id, hierarchyId);
  t.deepEqual((await client.assistants.search({ name })).map((a) => a.assistant_id), [hierarchyId]);
  t.deepEqual(await client.assistants.search({ graphId: 'other' }), []);
  const schemas = await client.assistants.getSchemas(name);
  t.is(schemas.graph_id, 'cadre');
  t.truthy((schemas.input_schema as any).properties.messages);
  t.truthy((schemas.state_schema as any).properties.messages);
  await t.throwsAsync(client.assistants.get('nobody'), { message: /HTTP 404: .*"detail":"assistant nobody not found"/ });
});

test('threads: create, get, search, update (merged metadata), state and history of a new thread, delete', async (t) => {
  const created = await client.threads.create({ metadata: { assistant_id: name, customer: 'acme' } });
  t.regex(created.thread_id, /^[0-9a-f-]{36}$/);
  t.like(created, { status: 'idle', metadata: { assistant_id: hierarchyId, graph_id: 'cadre', customer: 'acme' }, values: { messages: [] } });
  const chosen = randomUUID();
  t.is((await client.threads.create({ threadId: chosen, metadata: { assistant_id: hierarchyId } })).thread_id, chosen);
  t.is((await client.threads.create({ threadId: chosen, ifExists: 'do_nothing' })).thread_id, chosen);
  await t.throwsAsync(client.threads.create({ threadId: chosen, metadata: { assistant_id: name } }), { message: /HTTP 409/ });
  await t.throwsAsync(client.threads.create(), { message: /HTTP 422: .*metadata\.assistant_id/ });

  t.is((await client.threads.get(created.thread_id)).thread_id, created.thread_id);
  const searched = await client.threads.search({ metadata: { customer: 'acme', assistant_id: name } });
  t.true(searched.length > 0);
  t.true(searched.some((x) => x.thread_id === created.thread_id));
  t.false(searched.some((x) => x.thread_id === chosen));
  const updated = await client.threads.update(created.thread_id, { metadata: { stage: 'two' } });
  t.like(updated.metadata, { customer: 'acme', stage: 'two', assistant_id: hierarchyId });

  const state = await client.threads.getState(created.thread_id);
  t.deepEqual(state.values, { messages: [] });
  t.deepEqual(state.next, []);
  t.deepEqual(state.tasks, []);
  t.deepEqual(await client.threads.getHistory(created.thread_id), []);

  await client.threads.delete(created.thread_id);
  await t.throwsAsync(client.threads.get(created.thread_id), { message: /HTTP 404/ });
  await t.throwsAsync(client.threads.get('not-a-uuid'), { message: /HTTP 404/ });
});

/** The shapes each stream mode yields, checked on one run each. */
const MODE_CHECKS: Record<string, (t: import('ava').ExecutionContext, parts: Part[]) => void> = {
  values: (t, parts) => {
    const values = parts.filter((x) => x.event === 'values');
    t.true(values.length >= 2);
    t.deepEqual(values[0]!.data.messages.map((m: any) => m.type), ['human']);
    const last = values.at(-1)!.data.messages;
    t.deepEqual(last.map((m: any) => m.type), ['human', 'ai']);
    t.true(last[1].content.includes('sums up'));
  },
  updates: (t, parts) => {
    const updates = parts.filter((x) => x.event === 'updates');
    t.true(updates.length >= 2);
    t.truthy(updates.find((x) => x.data['team:Writers'])?.data['team:Writers'].messages[0].content);
    t.is(updates.at(-1)!.data.global_supervisor.messages[0].type, 'ai');
    t.false(parts.some((x) => x.event.startsWith('updates|')), 'no nested updates without stream_subgraphs');
  },
  'messages-tuple': (t, parts) => {
    const messages = parts.filter((x) => x.event === 'messages');
    t.true(messages.length > 0);
    for (const { data: [chunk, meta] } of messages) {
      t.is(chunk.type, 'AIMessageChunk');
      t.is(typeof chunk.id, 'string');
      t.truthy(meta.langgraph_node);
      t.truthy(meta.run_id);
      t.truthy(meta.thread_id);
    }
    const worker = messages.filter((x) => x.data[1].langgraph_node === 'worker:Writers/W');
    t.true(worker.length > 1, 'the worker\'s tokens');
    t.is(new Set(worker.map((x) => x.data[0].id)).size, 1, 'one model turn, one message id');
    t.true(worker.map((x) => x.data[0].content).join('').includes('answers'));
  },
  events: (t, parts) => {
    const kinds = new Set(parts.filter((x) => x.event === 'events').map((x) => x.data.event));
    for (const kind of ['on_chain_start', 'on_chat_model_start', 'on_chat_model_stream', 'on_chat_model_end', 'on_chain_end']) t.true(kinds.has(kind), kind);
    const stream = parts.find((x) => x.event === 'events' && x.data.event === 'on_chat_model_stream')!;
    t.is(stream.data.data.chunk.type, 'AIMessageChunk');
    // A model call's start, tokens and end share its message id; its end carries the call's usage.
    const start = parts.find((x) => x.event === 'events' && x.data.event === 'on_chat_model_start' && x.data.run_id === stream.data.run_id);
    const end = parts.find((x) => x.event === 'events' && x.data.event === 'on_chat_model_end' && x.data.run_id === stream.data.run_id);
    t.truthy(start, 'the streamed message began with on_chat_model_start');
    t.is(typeof start?.data.metadata.ls_provider, 'string');
    t.true(end?.data.data.output.usage_metadata.output_tokens > 0);
  },
  custom: (t, parts) => {
    const custom = parts.filter((x) => x.event === 'custom').map((x) => `${x.data.event.category}.${x.data.event.action}`);
    t.true(custom.length > 0);
    t.is(custom[0], 'lifecycle.started');
    t.is(custom.at(-1), 'lifecycle.completed');
    t.true(custom.includes('dispatch.worker'));
  },
  debug: (t, parts) => {
    const types = parts.filter((x) => x.event === 'debug').map((x) => x.data.type);
    t.true(types.length > 0);
    for (const type of ['checkpoint', 'task', 'task_result']) t.true(types.includes(type), type);
    const task = parts.find((x) => x.event === 'debug' && x.data.type === 'task')!;
    t.is(task.data.payload.name, 'team:Writers');
  },
};

for (const [mode, check] of Object.entries(MODE_CHECKS)) {
  test(`stream mode ${mode}: metadata first, then its events, each with an id`, async (t) => {
    const thread = await newThread();
    const parts = await collect(client.runs.stream(thread, name, { input: human(`Stream ${mode} [mode-${mode}]`), streamMode: [mode as any] }) as AsyncGenerator<Part>);
    t.true(parts.length > 1);
    t.is(parts[0]!.event, 'metadata');
    t.regex(parts[0]!.data.run_id, /^[0-9a-f-]{36}$/);
    t.is(parts[0]!.data.attempt, 1);
    for (const part of parts) t.regex(part.id ?? '', /^\d+(\.\d+)?$/, part.event);
    t.deepEqual([...new Set(parts.slice(1).map((x) => x.event))], [mode === 'messages-tuple' ? 'messages' : mode]);
    check(t, parts);
    t.is((await client.runs.get(thread, parts[0]!.data.run_id)).status, 'success');
  });
}

test('stream_subgraphs: events inside a team are named by their namespace', async (t) => {
  const thread = await newThread();
  const parts = await collect(client.runs.stream(thread, name, {
    input: human('Nested [subgraphs]'), streamMode: ['updates', 'messages-tuple'], streamSubgraphs: true,
  }) as AsyncGenerator<Part>);
  const nested = parts.filter((x) => x.event === 'updates|team:Writers');
  t.true(nested.length > 0);
  t.truthy(nested[0]!.data['worker:Writers/W']);
  t.true(parts.some((x) => x.event === 'updates' && x.data['team:Writers']));
  t.true(parts.some((x) => x.event === 'messages|team:Writers|worker:Writers/W'));
  t.true(parts.some((x) => x.event === 'messages|team:Writers'));
  t.true(parts.some((x) => x.event === 'messages'), 'the global supervisor\'s tokens are at the root');
});

test('joinStream after a disconnect resumes at the next event: no gap, no duplicate; -1 replays it all', async (t) => {
  const thread = await newThread();
  const run = await client.runs.create(thread, name, { input: human('Resume me [resume]'), streamMode: ['messages-tuple', 'updates', 'values'] });
  t.regex(run.run_id, /^[0-9a-f-]{36}$/);
  t.like(run, { thread_id: thread, assistant_id: hierarchyId });
  // Read a few events, then drop the connection (the run goes on).
  const first: Part[] = [];
  const live = client.runs.joinStream(thread, run.run_id) as AsyncGenerator<Part>;
  for await (const part of live) {
    first.push(part);
    if (first.length === 6) break;
  }
  t.is(first.length, 6);
  t.is(first[0]!.event, 'metadata');
  const rest = await collect(client.runs.joinStream(thread, run.run_id, { lastEventId: first.at(-1)!.id! }) as AsyncGenerator<Part>);
  t.true(rest.length > 0);
  t.not(rest[0]!.event, 'metadata', 'a resumed stream goes on where it was');
  const whole = await collect(client.runs.joinStream(thread, run.run_id, { lastEventId: '-1' }) as AsyncGenerator<Part>);
  const ids = (parts: Part[]) => parts.map((x) => `${x.id} ${x.event}`);
  t.deepEqual([...ids(first), ...ids(rest)], ids(whole), 'the two parts are the whole stream');
  t.deepEqual([...first, ...rest].map((x) => x.data), whole.map((x) => x.data));
  t.is(new Set(ids(whole)).size, whole.length, 'no duplicate id');
  t.is(whole.filter((x) => x.event === 'values').at(-1)!.data.messages.at(-1).type, 'ai');
  // A resume inside an event's several frames (`N.k`) takes the next frame of the same event.
  const split = whole.findIndex((x) => x.id!.includes('.'));
  t.true(split > 0, 'the run\'s end makes several frames');
  const after = await collect(client.runs.joinStream(thread, run.run_id, { lastEventId: whole[split]!.id! }) as AsyncGenerator<Part>);
  t.deepEqual(ids(after), ids(whole.slice(split + 1)));
});

test('runs.wait answers the final values with the answer as an ai message; a follow-up run was told the earlier answer', async (t) => {
  const thread = await newThread();
  const first = await client.runs.wait(thread, name, { input: human('First question [lg-one]') }) as any;
  const answer = first.messages.at(-1);
  t.is(answer.type, 'ai');
  t.true(answer.content.includes('sums up'));
  t.deepEqual(first.messages.map((m: any) => m.type), ['human', 'ai']);
  const second = await client.runs.wait(thread, name, { input: { messages: [{ type: 'user', content: [{ type: 'text', text: 'Then [lg-two]' }] }] } }) as any;
  t.deepEqual(second.messages.map((m: any) => m.type), ['human', 'ai', 'human', 'ai']);
  t.is(second.messages[2].content, 'Then [lg-two]');
  const opening = fixture.requests.find((r) => r.key.startsWith(`You are G of ${name}.`) && r.messages.some((m) => m.text.includes('[lg-two]')));
  t.truthy(opening);
  t.true(opening!.messages.some((m) => m.role === 'user' && m.text === 'First question [lg-one]'));
  t.true(opening!.messages.some((m) => m.role === 'assistant' && m.text === answer.content), 'the follow-up was told the first answer');

  const state = await client.threads.getState(thread);
  t.deepEqual((state.values as any).messages.map((m: any) => m.content), second.messages.map((m: any) => m.content));
  t.like(state.checkpoint, { thread_id: thread, checkpoint_ns: '' });
  t.truthy(state.checkpoint.checkpoint_id);
  t.deepEqual(state.next, []);
  const history = await client.threads.getHistory(thread);
  t.is(history.length, 2);
  t.is((history[0]!.values as any).messages.length, 4);
  t.is((history[1]!.values as any).messages.length, 2);
  t.deepEqual(history[0]!.parent_checkpoint, history[1]!.checkpoint);
  t.deepEqual(await client.threads.getHistory(thread, { before: { configurable: { checkpoint_id: history[0]!.checkpoint.checkpoint_id } } }), [history[1]]);
  const runs = await client.runs.list(thread);
  t.is(runs.length, 2);
  t.true(runs.every((r) => r.status === 'success'));
});

test('a stateless wait runs on a thread of its own, deleted once it ended', async (t) => {
  let created: { run_id: string; thread_id?: string } | undefined;
  const values = await client.runs.wait(null, name, { input: human('Stateless [lg-stateless]'), onRunCreated: (meta) => { created = meta; } }) as any;
  t.is(values.messages.at(-1).type, 'ai');
  t.truthy(created?.thread_id);
  await pollUntil('the stateless thread to go', 30_000, async () => {
    try {
      await client.threads.get(created!.thread_id!);
      return undefined;
    } catch (err) {
      return /HTTP 404/.test(String(err)) ? true : undefined;
    }
  });
  const streamed = await collect(client.runs.stream(null, name, { input: human('Stateless stream [lg-stateless-2]'), streamMode: 'values' }) as AsyncGenerator<Part>);
  t.is(streamed[0]!.event, 'metadata');
  t.is(streamed.at(-1)!.data.messages.at(-1).type, 'ai');
});

test('runs.create then runs.join: the final values; the run reads success', async (t) => {
  const thread = await newThread();
  const run = await client.runs.create(thread, name, { input: human('Background [lg-join]'), metadata: { label: 'x' } });
  t.like(run, { status: 'pending', metadata: { label: 'x' }, multitask_strategy: 'reject' });
  const values = await client.runs.join(thread, run.run_id) as any;
  t.is(values.messages.at(-1).type, 'ai');
  t.like(await client.runs.get(thread, run.run_id), { status: 'success', run_id: run.run_id });
  // A busy thread refuses another run (reject); enqueue makes it wait its turn (cancelled here by the interrupt below).
  const busy = await client.runs.create(thread, name, { input: human('Busy [lg-busy]') });
  await t.throwsAsync(client.runs.create(thread, name, { input: human('Again [lg-busy-2]') }), { message: /HTTP 409: .*live run/ });
  const queued = await client.runs.create(thread, name, { input: human('Queue [lg-enqueue]'), multitaskStrategy: 'enqueue' });
  t.like(queued, { status: 'pending', multitask_strategy: 'enqueue' });
  // interrupt: the live run is cancelled (interrupted), the new one runs.
  const next = await client.runs.create(thread, name, { input: human('Instead [lg-interrupt]'), multitaskStrategy: 'interrupt' });
  t.is((await client.runs.get(thread, busy.run_id)).status, 'interrupted');
  t.is((await client.runs.get(thread, queued.run_id)).status, 'interrupted', 'the waiting one is cancelled too');
  await client.runs.join(thread, next.run_id);
  t.is((await client.runs.get(thread, next.run_id)).status, 'success');
  await t.throwsAsync(client.runs.get(thread, randomUUID()), { message: /HTTP 404/ });
});

test('runs.cancel: the run ends interrupted, the thread idle, no partial reply in the state; rollback deletes the run', async (t) => {
  const thread = await newThread();
  const run = await client.runs.create(thread, name, { input: human('Cancel me [lg-cancel]') });
  await untilRunIs(thread, run.run_id, ['running']);
  await client.runs.cancel(thread, run.run_id, true);
  t.is((await client.runs.get(thread, run.run_id)).status, 'interrupted');
  const after = await client.threads.get(thread);
  t.is(after.status, 'idle');
  const messages = (await client.threads.getState(thread)).values as any;
  t.deepEqual(messages.messages.map((m: any) => m.type), ['human'], 'the task, and no partial reply');
  await t.throwsAsync(client.runs.cancel(thread, run.run_id), { message: /HTTP 409/ });

  const doomed = await client.runs.create(thread, name, { input: human('Roll me back [lg-rollback]') });
  await untilRunIs(thread, doomed.run_id, ['running']);
  await client.runs.cancel(thread, doomed.run_id, false, 'rollback');
  await t.throwsAsync(client.runs.get(thread, doomed.run_id), { message: /HTTP 404/ });
  t.deepEqual(((await client.threads.getState(thread)).values as any).messages.length, 1);

  const many = await client.runs.create(thread, name, { input: human('Bulk [lg-bulk]') });
  await client.runs.cancelMany({ threadId: thread, runIds: [many.run_id] });
  t.is((await untilRunIs(thread, many.run_id, ['interrupted'])).status, 'interrupted');
  await client.runs.delete(thread, many.run_id);
  await t.throwsAsync(client.runs.get(thread, many.run_id), { message: /HTTP 404/ });
});

test('another tenant gets 404 on every route', async (t) => {
  const thread = await newThread();
  const run = await client.runs.create(thread, name, { input: human('Mine [lg-tenant]') });
  await client.runs.join(thread, run.run_id);
  const other = new Client({ apiUrl: `${p.url}/lg`, apiKey: null, defaultHeaders: { 'x-tenant-id': uniqueName('lg-intruder') } });
  t.deepEqual(await other.assistants.search(), []);
  t.deepEqual(await other.threads.search(), []);
  const refused: Array<[string, () => Promise<unknown>]> = [
    ['assistants.get', () => other.assistants.get(hierarchyId)],
    ['assistants.getSchemas', () => other.assistants.getSchemas(name)],
    ['threads.create', () => other.threads.create({ metadata: { assistant_id: name } })],
    ['threads.get', () => other.threads.get(thread)],
    ['threads.update', () => other.threads.update(thread, { metadata: { x: 1 } })],
    ['threads.delete', () => other.threads.delete(thread)],
    ['threads.getState', () => other.threads.getState(thread)],
    ['threads.getHistory', () => other.threads.getHistory(thread)],
    ['runs.create', () => other.runs.create(thread, hierarchyId, { input: human('x') })],
    ['runs.wait', () => other.runs.wait(thread, hierarchyId, { input: human('x') })],
    ['runs.wait stateless', () => other.runs.wait(null, hierarchyId, { input: human('x') })],
    ['runs.stream', () => collect(other.runs.stream(thread, hierarchyId, { input: human('x') }) as AsyncGenerator<Part>)],
    ['runs.list', () => other.runs.list(thread)],
    ['runs.get', () => other.runs.get(thread, run.run_id)],
    ['runs.join', () => other.runs.join(thread, run.run_id)],
    ['runs.joinStream', () => collect(other.runs.joinStream(thread, run.run_id) as AsyncGenerator<Part>)],
    ['runs.cancel', () => other.runs.cancel(thread, run.run_id)],
    ['runs.cancelMany', () => other.runs.cancelMany({ threadId: thread, runIds: [run.run_id] })],
    ['runs.delete', () => other.runs.delete(thread, run.run_id)],
  ];
  for (const [what, call] of refused) await t.throwsAsync(call(), { message: /HTTP 404/ }, what);
  // Still there for its own tenant.
  t.is((await client.runs.get(thread, run.run_id)).status, 'success');
  t.is(((await client.threads.getState(thread)).values as any).messages.length, 2);
});

test('x-api-key: with API keys required, the SDK\'s key opens /lg for its tenant; none is 401', async (t) => {
  const keyedDb = join(tmpdir(), `${uniqueName('cadre_lg_keys')}.sqlite`);
  const keyed = await startCadre({ DATABASE_URL: keyedDb, API_KEYS: 'required', ...COUNTED_ENV });
  try {
    const tenant = uniqueName('lgk');
    const made = await cli(['keys', 'create', '--tenant', tenant, '--name', 'lg'], { DATABASE_URL: keyedDb, DB_TYPE: '' });
    t.is(made.code, 0, made.stderr);
    const key = made.stdout.trim();
    const model = await fetch(`${keyed.url}/api/executor/v1/models/create`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ name: 'sim', provider: 'simulated', model_id: 'sim', params: { token_delay_ms: 0, reply_tokens: 3 } }),
    });
    t.is(model.status, 200);
    const modelId = (await model.json() as any).data.id;
    const agent = { system_prompt: 'x', llm_config: { model_id: modelId } };
    const h = await fetch(`${keyed.url}/api/executor/v1/hierarchies/create`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ name: 'keyed', global_supervisor_agent: agent, teams: [{ name: 'T', team_supervisor_agent: agent, workers: [{ name: 'W', role: 'r', ...agent }] }] }),
    });
    t.is(h.status, 200, await h.clone().text());
    const keyedClient = new Client({ apiUrl: `${keyed.url}/lg`, apiKey: key });
    t.deepEqual((await keyedClient.assistants.search()).map((a) => a.name), ['keyed']);
    const values = await keyedClient.runs.wait(null, 'keyed', { input: human('Keyed [lg-key]') }) as any;
    t.is(values.messages.at(-1).type, 'ai');
    await t.throwsAsync(new Client({ apiUrl: `${keyed.url}/lg`, apiKey: null }).assistants.search(), { message: /HTTP 401/ });
    await t.throwsAsync(new Client({ apiUrl: `${keyed.url}/lg`, apiKey: `${key.slice(0, -2)}xx` }).assistants.search(), { message: /HTTP 401/ });
  } finally {
    await keyed.kill();
    await Promise.all(['', '-wal', '-shm'].map((s) => rm(keyedDb + s, { force: true })));
  }
});

test('a worker asking a human: the stream ends with the interrupt; the run and thread read interrupted, the state holds the request', async (t) => {
  const thread = (await client.threads.create({ metadata: { assistant_id: askerName } })).thread_id;
  const parts = await collect(client.runs.stream(thread, askerName, { input: human('Paint the shed [lg-ask]'), streamMode: ['updates'] }) as AsyncGenerator<Part>);
  const interrupt = parts.find((x) => x.event === 'updates' && x.data.__interrupt__);
  t.truthy(interrupt);
  t.regex(interrupt!.data.__interrupt__[0].value.question, /Which colour/);
  const runId = parts[0]!.data.run_id;
  t.is((await client.runs.get(thread, runId)).status, 'interrupted');
  const view = await client.threads.get(thread);
  t.is(view.status, 'interrupted');
  t.true(Object.values(view.interrupts).flat().length > 0);
  const state = await client.threads.getState(thread);
  t.deepEqual(state.next, ['global_supervisor']);
  t.is(state.tasks.length, 1);
  t.true(state.tasks[0]!.interrupts.length > 0);
  const values = await client.runs.join(thread, runId) as any;
  t.truthy(values.__interrupt__, 'join answers at once for a run waiting for a human');
  await client.runs.cancel(thread, runId, true);
  t.is((await client.threads.get(thread)).status, 'idle');
});

test('wire: a stream answers Content-Location and Location (where the SDK reconnects), frames with id and event; errors are {detail}', async (t) => {
  const thread = await newThread();
  const res = await fetch(`${p.url}/lg/threads/${thread}/runs/stream`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ assistant_id: name, input: human('Wire [lg-wire]'), stream_mode: 'updates' }),
  });
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const location = res.headers.get('location') ?? '';
  t.regex(res.headers.get('content-location') ?? '', new RegExp(`^/threads/${thread}/runs/[0-9a-f-]{36}$`));
  t.is(location, `${res.headers.get('content-location')}/stream`);
  const text = await res.text();
  t.regex(text, /^id: 0\nevent: metadata\ndata: \{"run_id":"[0-9a-f-]{36}"/);
  const frames = text.split('\n\n').filter((f) => f.startsWith('id: '));
  t.true(frames.length > 2);
  t.true(frames.every((f) => /^id: \d+(\.\d+)?\nevent: [a-z|:/A-Za-z-]+\ndata: /.test(f)));
  // The Location, under the client's apiUrl, resumes after an id.
  const lastId = /^id: (\S+)/.exec(frames.at(-2)!)![1]!;
  const resumed = await fetch(`${p.url}/lg${location}`, { headers: { 'last-event-id': lastId } });
  const again = (await resumed.text()).split('\n\n').filter((f) => f.startsWith('id: '));
  t.deepEqual(again, [frames.at(-1)]);
  const bad = await fetch(`${p.url}/lg${location}`, { headers: { 'last-event-id': 'nope' } });
  t.is(bad.status, 422);
  t.regex((await bad.json() as any).detail, /Last-Event-ID/);
  const unsupported = await fetch(`${p.url}/lg/threads/${thread}/runs`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ assistant_id: name, input: human('x'), stream_mode: ['tasks'] }),
  });
  t.is(unsupported.status, 422);
  t.regex((await unsupported.json() as any).detail, /^stream_mode\[0\]: tasks is not supported/);
});
