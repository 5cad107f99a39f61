import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { TaskState, type StreamResponse } from '@a2a-js/sdk';
import { uniqueName } from './helpers/backends.ts';
import { pollUntil, startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { CountingProviderServer } from './helpers/counting-provider-server.ts';
import { COUNTED_ENV } from './helpers/durable-checks.ts';
import { a2aClient, asTask, collect, sendRequest, stateOf, textOfParts, userMessage } from './helpers/a2a-client.ts';

// Every hierarchy an A2A agent, driven by the official client (@a2a-js/sdk) over both bindings,
// against a real process on the embedded default and a model server that records what each
// agent was asked.
const dbFile = join(tmpdir(), `${uniqueName('cadre_a2a')}.sqlite`);
const fixture = new CountingProviderServer(10, 6, { toolInputs: { ask_human: (task) => ({ question: `Which colour for ${task.slice(0, 12)}?` }) } });
let p: CadreProcess;
const name = uniqueName('agent');
const askerName = uniqueName('asker');
const scenarioName = uniqueName('tck');
let hierarchyId = '';

test.before(async () => {
  const url = await fixture.start();
  p = await startCadre({ DATABASE_URL: dbFile, ...COUNTED_ENV });
  const model = await p.post('models/create', { name: 'counted', provider: 'openai-compatible', model_id: 'counted', base_url: `${url}/v1` });
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  for (const [n, tools] of [[name, []], [askerName, ['ask_human']]] as const) {
    const h = await p.post('hierarchies/create', {
      name: n, description: `The ${n} team`, global_supervisor_agent: agent(`You are G of ${n}.`),
      teams: [{ name: 'Writers', team_supervisor_agent: agent(`You are T of ${n}.`), workers: [{ name: 'W', role: 'writer', ...agent(`You are W of ${n}.`), tools }] }],
    });
    if (h.status !== 200) throw new Error(JSON.stringify(h.body));
    if (n === name) hierarchyId = h.body.data.id;
  }
  // The simulated model playing the A2A TCK's scenarios, as a TCK run against Cadre uses it.
  const sim = await p.post('models/create', { name: 'tck-sim', provider: 'simulated', model_id: 'sim', params: { token_delay_ms: 1, reply_tokens: 5, scenarios: 'a2a-tck' } });
  const simAgent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: sim.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name: scenarioName, global_supervisor_agent: simAgent('You coordinate.'),
    teams: [{ name: 'T', team_supervisor_agent: simAgent('You lead.'), workers: [{ name: 'Ada', role: 'analyst', ...simAgent('You are Ada.'), tools: ['ask_human'] }] }],
  });
  if (h.status !== 200) throw new Error(JSON.stringify(h.body));
});

test.after.always(async () => {
  await p?.kill();
  await fixture.close();
  await Promise.all(['', '-wal', '-shm'].map((s) => rm(dbFile + s, { force: true })));
});

const sequencesOf = (events: StreamResponse[]) => events.flatMap((e) => {
  const seq = e.payload?.$case === 'statusUpdate' ? e.payload.value.metadata?.sequence : undefined;
  return typeof seq === 'number' ? [seq] : [];
});

test('the agent card: the hierarchy, a skill per team, both bindings at the agent URL, streaming and push', async (t) => {
  const res = await fetch(`${p.url}/a2a/${name}/.well-known/agent-card.json`);
  t.is(res.status, 200);
  const card = await res.json() as any;
  t.is(card.name, name);
  t.is(card.description, `The ${name} team`);
  t.deepEqual(card.skills.map((s: any) => s.name), ['Writers']);
  t.true(card.skills[0].description.includes('W (writer)'));
  t.false(JSON.stringify(card).includes('You are'), 'no prompt is published');
  t.like(card.capabilities, { streaming: true, pushNotifications: true });
  const bindings = card.supportedInterfaces.map((i: any) => `${i.protocolBinding} ${i.protocolVersion} ${i.url}`);
  t.true(bindings.includes(`JSONRPC 1.0 ${p.url}/a2a/${hierarchyId}`), JSON.stringify(bindings));
  t.true(bindings.includes(`HTTP+JSON 1.0 ${p.url}/a2a/${hierarchyId}`));
  t.regex(res.headers.get('cache-control') ?? '', /max-age=\d+/);
  const etag = res.headers.get('etag');
  t.truthy(etag);
  t.truthy(res.headers.get('last-modified'));
  t.is((await fetch(`${p.url}/a2a/${name}/.well-known/agent-card.json`, { headers: { 'if-none-match': etag! } })).status, 304);
  t.is((await fetch(`${p.url}/a2a/nobody/.well-known/agent-card.json`)).status, 404);
  // Another tenant has no such agent.
  t.is((await fetch(`${p.url}/a2a/${name}/.well-known/agent-card.json`, { headers: { 'x-tenant-id': 'a2a-intruder' } })).status, 404);
});

for (const binding of ['JSONRPC', 'HTTP+JSON'] as const) {
  test(`${binding}: a blocking send answers the completed task; a follow-up on its context sees the answer; get and list`, async (t) => {
    const client = await a2aClient(p.url, name, binding);
    const first = userMessage(`First [${binding}-one]`);
    const task = asTask(await client.sendMessage(sendRequest(first)));
    t.is(task.status?.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(task.status));
    t.regex(task.contextId, /^[0-9a-f-]{36}$/);
    t.is(task.history[0]!.messageId, first.messageId);
    const answer = task.artifacts.find((a) => a.artifactId === 'answer');
    t.truthy(answer);
    t.true(textOfParts(answer!.parts).length > 0);
    const agentResults = task.artifacts.filter((a) => a.artifactId.startsWith('agent-'));
    t.true(agentResults.length > 0, 'each agent that reported is an artifact');
    t.true(agentResults.some((a) => a.name === 'Writers/W'));

    const second = asTask(await client.sendMessage(sendRequest(userMessage(`Then [${binding}-two]`, { contextId: task.contextId }))));
    t.is(second.status?.state, TaskState.TASK_STATE_COMPLETED);
    t.is(second.contextId, task.contextId);
    const opening = fixture.requests.find((r) => r.key.startsWith(`You are G of ${name}.`) && r.messages.some((m) => m.text.includes(`[${binding}-two]`)));
    t.truthy(opening);
    t.true(opening!.messages.some((m) => m.role === 'assistant' && m.text === textOfParts(answer!.parts)), 'the follow-up was told the first answer');

    const got = await client.getTask({ tenant: '', id: second.id, historyLength: 1 });
    t.is(got.history.length, 1);
    t.is(got.history[0]!.role, 2 /* ROLE_AGENT */);
    const listed = await client.listTasks({ tenant: '', contextId: task.contextId, status: 0, pageSize: 1, pageToken: '', statusTimestampAfter: undefined, historyLength: undefined, includeArtifacts: false });
    t.is(listed.totalSize, 2);
    t.deepEqual(listed.tasks.map((x) => x.id), [second.id]);
    t.truthy(listed.nextPageToken);
    const rest = await client.listTasks({ tenant: '', contextId: task.contextId, status: 0, pageSize: 1, pageToken: listed.nextPageToken, statusTimestampAfter: undefined, historyLength: undefined, includeArtifacts: false });
    t.deepEqual(rest.tasks.map((x) => x.id), [task.id]);
    t.is(rest.nextPageToken, '');
  });

  test(`${binding}: a stream starts with the task, reports delegations and agent results, and ends completed`, async (t) => {
    const client = await a2aClient(p.url, name, binding);
    const events = await collect(client.sendMessageStream(sendRequest(userMessage(`Stream it [${binding}-stream]`))));
    t.true(events.length > 3, JSON.stringify(events.map((e) => e.payload?.$case)));
    t.is(events[0]!.payload?.$case, 'task');
    const last = events.at(-1)!;
    t.is(last.payload?.$case, 'statusUpdate');
    t.is(stateOf(last), TaskState.TASK_STATE_COMPLETED);
    t.true(events.some((e) => e.payload?.$case === 'statusUpdate' && e.payload.value.metadata?.cadreEvent === 'dispatch.team'));
    const artifacts = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value.artifact!] : []));
    t.true(artifacts.some((a) => a.name === 'Writers/W'));
    t.true(artifacts.some((a) => a.artifactId === 'answer' && textOfParts(a.parts).length > 0));
    const seqs = sequencesOf(events);
    t.true(seqs.length > 0);
    t.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    t.is(new Set(seqs).size, seqs.length, 'no duplicate');
  });
}

test('resubscribe after a dropped stream: the task first, then the rest to the end; a finished task cannot be followed or cancelled', async (t) => {
  const client = await a2aClient(p.url, name, 'HTTP+JSON');
  const started = asTask(await client.sendMessage(sendRequest(userMessage('Follow me [resub]'), { returnImmediately: true })));
  t.not(started.status?.state, TaskState.TASK_STATE_COMPLETED);
  const stream = client.resubscribeTask({ tenant: '', id: started.id });
  const firstEvent = await stream.next();
  t.is(firstEvent.value && firstEvent.value.payload?.$case, 'task');
  await stream.return(undefined); // the client drops the stream: the task goes on
  const rest = await collect(client.resubscribeTask({ tenant: '', id: started.id }));
  t.is(rest[0]!.payload?.$case, 'task');
  t.is(stateOf(rest.at(-1)!), TaskState.TASK_STATE_COMPLETED);
  const err = await t.throwsAsync(collect(client.resubscribeTask({ tenant: '', id: started.id })));
  t.regex(String(err?.message), /nothing left to follow|Unsupported/i);
  await t.throwsAsync(client.cancelTask({ tenant: '', id: started.id, metadata: undefined }), { message: /already completed|not cancelable/i });
});

test('cancel a working task: it ends canceled, and its run is cancelled', async (t) => {
  const client = await a2aClient(p.url, name, 'JSONRPC');
  const started = asTask(await client.sendMessage(sendRequest(userMessage('Cancel me [cancel]'), { returnImmediately: true })));
  const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
  t.is(cancelled.status?.state, TaskState.TASK_STATE_CANCELED);
  t.is((await p.post('runs/get', { id: Number(started.id) })).body.data.status, 'cancelled');
  await t.throwsAsync(client.getTask({ tenant: '', id: '999999999' }), { message: /not found/i });
});

test('input required: the stream ends asking the question; a message on the task answers it and the task completes', async (t) => {
  const client = await a2aClient(p.url, askerName, 'JSONRPC');
  const events = await collect(client.sendMessageStream(sendRequest(userMessage('Paint the shed [ask]'))));
  const last = events.at(-1)!;
  t.is(stateOf(last), TaskState.TASK_STATE_INPUT_REQUIRED, JSON.stringify(last));
  const status = last.payload?.$case === 'statusUpdate' ? last.payload.value : undefined;
  t.regex(textOfParts(status!.status!.message!.parts), /Which colour for/);
  const taskId = status!.taskId;
  t.is((await client.getTask({ tenant: '', id: taskId })).status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);

  const done = asTask(await client.sendMessage(sendRequest(userMessage('Dark green', { taskId, contextId: status!.contextId }))));
  t.is(done.status?.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(done.status));
  const told = fixture.requests.filter((r) => r.key.startsWith(`You are W of ${askerName}.`) && r.toolResults.length > 0).map((r) => r.toolResults.at(-1));
  t.true(told.length > 0);
  t.true(told.some((x) => String(x).includes('Dark green')), JSON.stringify(told));
  await t.throwsAsync(client.sendMessage(sendRequest(userMessage('Too late', { taskId }))), { message: /takes no more messages|Unsupported/i });
});

test('push notifications: every update is POSTed to the webhook with its token; a webhook at a private address is refused', async (t) => {
  const received: Array<{ headers: IncomingHttpHeaders; body: any }> = [];
  const hook = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) });
      res.writeHead(200).end();
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  try {
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const client = await a2aClient(p.url, name, 'HTTP+JSON');
    const config = { tenant: '', id: 'hook-1', taskId: '', url, token: 'secret-token', authentication: undefined };
    const started = asTask(await client.sendMessage(sendRequest(userMessage('Tell me later [push]'), { returnImmediately: true, taskPushNotificationConfig: config })));
    await pollUntil('the completed status at the webhook', 30_000, async () =>
      received.some((r) => r.body.statusUpdate?.status?.state === 'TASK_STATE_COMPLETED') || undefined);
    t.true(received.length > 1);
    t.true(received.every((r) => r.headers['x-a2a-notification-token'] === 'secret-token'));
    t.true(received.every((r) => (r.body.statusUpdate ?? r.body.artifactUpdate).taskId === started.id));
    const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId: started.id, pageSize: 0, pageToken: '' });
    t.deepEqual(listed.configs.map((c) => c.id), ['hook-1']);
    await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: started.id, id: 'hook-1' });
    t.is((await client.listTaskPushNotificationConfig({ tenant: '', taskId: started.id, pageSize: 0, pageToken: '' })).configs.length, 0);

    for (const bad of ['http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data']) {
      await t.throwsAsync(client.createTaskPushNotificationConfig({ ...config, taskId: started.id, url: bad }), { message: /url/ }, bad);
    }
  } finally {
    hook.close();
  }
});

test('wire details: 0.3 method names, an unsupported A2A-Version, a wrong content type, and another tenant', async (t) => {
  const rpc = (body: unknown, headers: Record<string, string> = {}) => fetch(`${p.url}/a2a/${hierarchyId}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });
  const legacy = await (await rpc({
    jsonrpc: '2.0', id: 1, method: 'message/send',
    params: { message: { kind: 'message', messageId: 'legacy-1', role: 'user', parts: [{ kind: 'text', text: 'Old client [legacy]' }] } },
  })).json() as any;
  t.is(legacy.result?.kind, 'task', JSON.stringify(legacy));
  t.is(legacy.result.status.state, 'completed');

  const unsupported = await (await rpc({ jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: '1' } }, { 'a2a-version': '9.9' })).json() as any;
  t.is(unsupported.error?.code, -32009);
  const unknown = await (await rpc({ jsonrpc: '2.0', id: 3, method: 'GetTask', params: { id: 'nope' } }, { 'a2a-version': '1.0' })).json() as any;
  t.is(unknown.error?.code, -32001);

  const wrongType = await fetch(`${p.url}/a2a/${hierarchyId}/message:send`, { method: 'POST', headers: { 'content-type': 'text/plain', 'a2a-version': '1.0' }, body: 'hi' });
  t.is(wrongType.status, 415);
  t.is((await wrongType.json() as any).error?.details?.[0]?.reason, 'CONTENT_TYPE_NOT_SUPPORTED');

  const mine = asTask(await (await a2aClient(p.url, name, 'HTTP+JSON')).sendMessage(sendRequest(userMessage('Mine [tenant]'), { returnImmediately: true })));
  const stolen = await fetch(`${p.url}/a2a/${hierarchyId}/tasks/${mine.id}`, { headers: { 'x-tenant-id': 'a2a-intruder', 'a2a-version': '1.0' } });
  t.is(stolen.status, 404);
  const missing = await fetch(`${p.url}/a2a/${hierarchyId}/tasks/987654321`, { headers: { 'a2a-version': '1.0' } });
  t.is(missing.status, 404);
  t.is((await missing.json() as any).error?.details?.[0]?.reason, 'TASK_NOT_FOUND');
});

test("rich answers and a client's own context: a direct Message, files and data, a rejection (the TCK's scenarios)", async (t) => {
  const client = await a2aClient(p.url, scenarioName, 'JSONRPC');
  const reply = await client.sendMessage(sendRequest(userMessage('Answer directly', { messageId: 'tck-message-response-x1' })));
  t.false('status' in reply, 'a Message, not a Task');
  t.is(textOfParts((reply as { parts: any[] }).parts), 'Direct message response');

  const data = asTask(await client.sendMessage(sendRequest(userMessage('Data please', { messageId: 'tck-artifact-data-x1', contextId: 'my-own-context' }))));
  t.is(data.status?.state, TaskState.TASK_STATE_COMPLETED);
  t.is(data.contextId, 'my-own-context', "the client's context id is the task's");
  const part = data.artifacts.find((a) => a.artifactId === 'answer')!.parts[0]!;
  t.deepEqual(part.content, { $case: 'data', value: { key: 'value', count: 42 } });
  const file = asTask(await client.sendMessage(sendRequest(userMessage('A file', { messageId: 'tck-artifact-file-url-x1', contextId: 'my-own-context' }))));
  const filePart = file.artifacts.find((a) => a.artifactId === 'answer')!.parts[0]!;
  t.like(filePart, { filename: 'output.txt', mediaType: 'text/plain', content: { $case: 'url', value: 'https://example.com/output.txt' } });
  t.is(file.contextId, 'my-own-context');
  const [a, b] = await Promise.all([data.id, file.id].map(async (id) => (await p.post('runs/get', { id: Number(id) })).body.data.thread_id));
  t.truthy(a);
  t.is(a, b, 'one context, one thread');
  const listed = await client.listTasks({ tenant: '', contextId: 'my-own-context', status: 0, pageSize: 10, pageToken: '', statusTimestampAfter: undefined, historyLength: undefined, includeArtifacts: false });
  t.deepEqual(listed.tasks.map((x) => x.id), [file.id, data.id]);

  const rejected = asTask(await client.sendMessage(sendRequest(userMessage('Refuse it', { messageId: 'tck-reject-task-x1' }))));
  t.is(rejected.status?.state, TaskState.TASK_STATE_REJECTED);
});

test('SubscribeToTask follows a task through its wait for input to its end', async (t) => {
  const client = await a2aClient(p.url, scenarioName, 'HTTP+JSON');
  const waiting = asTask(await client.sendMessage(sendRequest(userMessage('Ask me', { messageId: 'tck-input-required-x1' }))));
  t.is(waiting.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED, JSON.stringify(waiting.status));
  const stream = client.resubscribeTask({ tenant: '', id: waiting.id });
  const first = await stream.next(); // the subscriber follows before anyone answers
  t.is(first.value && first.value.payload?.$case, 'task');
  t.is(first.value && stateOf(first.value), TaskState.TASK_STATE_INPUT_REQUIRED);
  const answered = asTask(await client.sendMessage(sendRequest(userMessage('Blue', { messageId: 'tck-complete-task-x2', taskId: waiting.id }))));
  t.is(answered.status?.state, TaskState.TASK_STATE_COMPLETED);
  const seen = await collect(stream);
  t.true(seen.length > 0);
  t.is(stateOf(seen.at(-1)!), TaskState.TASK_STATE_COMPLETED);
});
