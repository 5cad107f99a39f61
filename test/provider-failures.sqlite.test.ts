import test from 'ava';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { ProviderHarness, hierarchyBrain } from './helpers/provider-harness.ts';
import { ScriptedProviderServer, type WireFormat } from './helpers/scripted-provider-server.ts';
import { openaiResponsesWire } from './helpers/openai-responses-wire.ts';
import { openaiChatWire } from './helpers/openai-chat-wire.ts';
import { anthropicWire } from './helpers/anthropic-wire.ts';
import { bedrockWire } from './helpers/bedrock-wire.ts';
import { APICallError } from '@ai-sdk/provider';
import { createAgentModel } from '../src/models/model-factory.ts';
import { isRetryable, retryAfterMs } from '../src/models/model-retry.ts';
import { userMessage } from '../src/models/conversation.ts';
import type { ModelRecord } from '../src/domain/model-schemas.ts';

// How model calls to real providers fail: retried when the provider says so (429, 5xx,
// connection refused), otherwise an error naming provider, model and cause that fails the run;
// a key is never in an error, an event or a stored run; nothing hangs; cancel closes the call.

const KEYS = {
  OPENAI_API_KEY: 'sk-wrong-openai-0123456789',
  OPENAI_COMPATIBLE_API_KEY: 'sk-wrong-compatible-0123456789',
  ANTHROPIC_API_KEY: 'sk-ant-wrong-0123456789',
  AWS_BEDROCK_API_KEY: 'bedrock-api-key-wrong-0123456789',
};
// Long enough that a loaded CI machine (lazy provider SDK loading, 2 busy cores) never trips it by accident.
const IDLE_TIMEOUT_MS = 5000;

const harness = new ProviderHarness();
// The fixtures stand at a base_url: the operator's keys go there only because it allows them.
const ALLOWED = [...Object.keys(KEYS), 'CADRE_UNSET_KEY'];
test.before(async () => harness.start({ env: KEYS, retry: { maxRetries: 2, initialDelayMs: 0 }, idleTimeoutMs: IDLE_TIMEOUT_MS }, 2000, { tenantEnvAllowed: ALLOWED }));
test.after.always(() => harness.stop());

const compatible = (url: string) => ({ provider: 'openai-compatible', model_id: 'llama-3.1-8b', base_url: `${url}/v1` });

async function scripted(t: import('ava').ExecutionContext, wire: WireFormat, reply: ConstructorParameters<typeof ScriptedProviderServer>[1]) {
  const server = new ScriptedProviderServer(wire, reply);
  const url = await server.start();
  t.teardown(() => server.close());
  return { server, url };
}

function assertNoKey(t: import('ava').ExecutionContext, ...values: unknown[]): void {
  const text = JSON.stringify(values);
  for (const key of Object.values(KEYS)) t.false(text.includes(key), 'a key leaked');
}

test('429 with Retry-After, then success: the call is retried and the retry counted', async (t) => {
  const brain = hierarchyBrain();
  const { server, url } = await scripted(t, openaiChatWire, (req, i) => i === 0 ? { error: 429, message: 'slow down', headers: { 'retry-after': '0' } } : brain(req));
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, compatible(url));
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  t.is(events.at(-1).event.action, 'completed');
  t.is(server.requests.length, 6);
  const stored = await api.ok('runs/get', { id: runId });
  t.like(stored.statistics.totals, { model_calls: 5, model_retries: 1, errors: 0 });
});

test('500 twice, then success: retried with backoff up to MODEL_MAX_RETRIES', async (t) => {
  const brain = hierarchyBrain();
  const { server, url } = await scripted(t, openaiChatWire, (req, i) => i < 2 ? { error: 500, message: 'upstream broke' } : brain(req));
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, compatible(url));
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  t.is(events.at(-1).event.action, 'completed');
  t.is(server.requests.length, 7);
  t.like((await api.ok('runs/get', { id: runId })).statistics.totals, { model_retries: 2, errors: 0 });
});

test('500 past the retry bound fails the run with the provider error', async (t) => {
  const { server, url } = await scripted(t, openaiChatWire, () => ({ error: 503, message: 'overloaded' }));
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, compatible(url));
  const { events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed');
  t.regex(last.data.error, /openai-compatible model "llama-3\.1-8b" .*failed: .*overloaded/);
  t.is(server.requests.length, 3);
});

const wrongKeyCases: Array<{ provider: string; wire: WireFormat; model: (url: string) => Record<string, unknown>; key: string }> = [
  { provider: 'openai', wire: openaiResponsesWire, model: (url) => ({ provider: 'openai', model_id: 'gpt-4o-mini', base_url: `${url}/v1` }), key: KEYS.OPENAI_API_KEY },
  { provider: 'openai-compatible', wire: openaiChatWire, model: compatible, key: KEYS.OPENAI_COMPATIBLE_API_KEY },
  { provider: 'anthropic', wire: anthropicWire, model: (url) => ({ provider: 'anthropic', model_id: 'claude-sonnet-4-5', base_url: `${url}/v1` }), key: KEYS.ANTHROPIC_API_KEY },
  { provider: 'bedrock', wire: bedrockWire, model: (url) => ({ provider: 'bedrock', model_id: 'amazon.nova-pro-v1:0', region: 'us-east-1', base_url: url }), key: KEYS.AWS_BEDROCK_API_KEY },
];

function record(fields: Record<string, unknown>): ModelRecord {
  const now = new Date();
  return {
    id: 'm1', tenantId: 't', name: 'm', modelId: String(fields.model_id), provider: fields.provider as ModelRecord['provider'],
    baseUrl: (fields.base_url as string | undefined) ?? null, region: (fields.region as string | undefined) ?? null,
    temperature: null, maxTokens: null, topP: null, description: null, isActive: true, params: null, apiKeyEnv: null, apiKeySecret: null,
    inputPricePerMtok: null, outputPricePerMtok: null, cachedInputPricePerMtok: null, createdAt: now, updatedAt: now,
  };
}

for (const c of wrongKeyCases) {
  test(`${c.provider}: a 429 reaches streamTurn's policy as a retryable APICallError with its Retry-After, from one HTTP request`, async (t) => {
    const { server, url } = await scripted(t, c.wire, () => ({ error: 429, message: 'rate limited', headers: { 'retry-after': '7' } }));
    const { model } = createAgentModel(record(c.model(url)), { env: KEYS, envAllowed: ALLOWED, outbound: { allowedHosts: ['127.0.0.1'] } });
    const error = await t.throwsAsync(model.doStream({ prompt: [userMessage('hi')] }));
    t.true(APICallError.isInstance(error));
    t.true(isRetryable(error));
    t.is(retryAfterMs(error), 7000);
    t.is(server.requests.length, 1, 'the provider package did not retry by itself');
  });
}

for (const c of wrongKeyCases) {
  test(`${c.provider}: a wrong key (401) is not retried, fails the run with a clear error, and the key is in no error or event`, async (t) => {
    // A hostile server echoes the key it got, as some providers do in part.
    const { server, url } = await scripted(t, c.wire, () => ({ error: 401, message: `Incorrect API key provided: ${c.key}` }));
    const api = harness.api(t);
    const { modelId, hierarchyId } = await harness.hierarchyOn(api, c.model(url));
    const { runId, events } = await harness.run(api, hierarchyId, 'task');
    t.is(server.requests.length, 1);
    t.true(JSON.stringify(server.requests[0]!.headers).includes(c.key), 'the key did reach the provider');
    const last = events.at(-1);
    t.is(last.event.action, 'failed');
    t.regex(last.data.error, new RegExp(`${c.provider} model ".+" \\(.+\\) failed: .*Incorrect API key provided: \\[redacted\\]`));
    const stored = await api.ok('runs/get', { id: runId });
    t.is(stored.status, 'failed');
    const check = await api.ok('models/check', { id: modelId });
    t.like(check, { ok: false, provider: c.provider });
    t.regex(check.error, /Incorrect API key provided: \[redacted\]/);
    assertNoKey(t, events, stored, check);
  });
}

test('a missing key is refused when the run is planned: 400 naming the agent and the variable', async (t) => {
  const api = harness.api(t);
  const { modelId, hierarchyId } = await harness.hierarchyOn(api, { provider: 'anthropic', model_id: 'claude', api_key_env: 'CADRE_UNSET_KEY' });
  // Agents are planned workers first: the first to need the key is named.
  const res = await api.fails('runs/start', { hierarchy_id: hierarchyId, task: 'task' }, 400, 'teams[0].workers[0]', 'MODEL_KEY_MISSING');
  t.regex(res.body.error, /CADRE_UNSET_KEY is not set/);
  const check = await api.ok('models/check', { id: modelId });
  t.like(check, { ok: false, provider: 'anthropic', model_id: 'claude' });
  t.regex(check.error, /CADRE_UNSET_KEY/);
});

test('a refused connection (closed port) is retried, then fails the run naming provider, model and cause', async (t) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as import('node:net').AddressInfo;
  probe.close();
  await once(probe, 'close');
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, compatible(`http://127.0.0.1:${port}`));
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed');
  t.regex(last.data.error, /openai-compatible model "llama-3\.1-8b" .*failed: .*(connect|fetch failed|ECONNREFUSED)/i);
  t.like((await api.ok('runs/get', { id: runId })).statistics.totals, { model_retries: 2 });
});

test('a malformed stream fails the call with an error, and the run with it', async (t) => {
  const { url } = await scripted(t, openaiChatWire, () => ({ raw: { headers: { 'content-type': 'text/event-stream' }, chunks: ['data: {not json\n\n'] } }));
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, compatible(url));
  const { events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed');
  t.regex(last.data.error, /openai-compatible model "llama-3\.1-8b" .*failed: .*(JSON|parse)/i);
});

test('a stream that stalls is aborted after the idle timeout; the run fails instead of hanging', async (t) => {
  const { server, url } = await scripted(t, openaiChatWire, () => ({ stallAfter: 3, turn: { text: 'I will answer this in some detail' } }));
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, compatible(url));
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed');
  t.regex(last.data.error, new RegExp(`no response from the model for ${IDLE_TIMEOUT_MS} ms`));
  // The agent's outcome says it timed out (not a plain failure), keeping the text it had streamed.
  const agents = Object.values((await api.ok('runs/get', { id: runId })).statistics.agents) as Array<{ kind: string; outcome: any }>;
  const global = agents.find((a) => a.kind === 'global_supervisor');
  t.like(global?.outcome, { status: 'timed_out', output: null });
  t.true(String(global?.outcome.partial_output).startsWith('I'), global?.outcome.partial_output);
  t.true(events.some((e) => e.event.action === 'stream'), 'output had started');
  t.is(server.requests.length, 1, 'output had started: not retried');
  await server.requests[0]!.closed; // the stalled connection was closed by the client
});

test('cancelling a run during a stream closes the provider connection at once', async (t) => {
  const { server, url } = await scripted(t, anthropicWire, () => ({ stallAfter: 3, turn: { text: 'A long answer that never ends' } }));
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, { provider: 'anthropic', model_id: 'claude-sonnet-4-5', base_url: `${url}/v1` });
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'task' });
  const [request] = await server.waitForRequests(1);
  t.is((await api.ok('runs/cancel', { id: run.id })).status, 'cancelled');
  await request!.closed;
  const stored = await api.ok('runs/get', { id: run.id });
  t.is(stored.status, 'cancelled');
});

test('models/check: ok with latency, model and provider; an unknown id is a 404', async (t) => {
  const { server, url } = await scripted(t, openaiChatWire, () => ({ text: 'OK' }));
  const api = harness.api(t);
  const model = await api.ok('models/create', { name: 'check-ok', ...compatible(url) });
  const check = await api.ok('models/check', { id: model.id });
  t.like(check, { ok: true, model_id: 'llama-3.1-8b', provider: 'openai-compatible', reply: 'OK' });
  t.is(typeof check.latency_ms, 'number');
  t.is(server.requests.length, 1);
  t.is(server.requests[0]!.read.maxTokens, 5);
  await api.fails('models/check', { id: 'no-such-model' }, 404, undefined, 'MODEL_NOT_FOUND');
  // The simulated model answers a check too (offline, no key).
  const simulated = await api.ok('models/create', { name: 'check-sim', provider: 'simulated', model_id: 'sim', params: { token_delay_ms: 0 } });
  t.like(await api.ok('models/check', { id: simulated.id }), { ok: true, provider: 'simulated', model_id: 'sim' });
  await api.fails('models/check', {}, 400, 'id');
});
