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
const fixture = new CountingProviderServer(15, 30);
let p: CadreProcess;
let client: Client;
const name = uniqueName('lg');
let hierarchyId = '';

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
    for (const kind of ['on_chain_start', 'on_chat_model_stream', 'on_chain_end']) t.true(kinds.has(kind), kind);
    const stream = parts.find((x) => x.event === 'events' && x.data.event === 'on_chat_model_stream')!;
    t.is(stream.data.data.chunk.type, 'AIMessageChunk');
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
