import test from 'ava';
import { ProviderHarness, hierarchyBrain } from './helpers/provider-harness.ts';
import { ScriptedProviderServer, type WireFormat } from './helpers/scripted-provider-server.ts';
import { openaiResponsesWire } from './helpers/openai-responses-wire.ts';
import { openaiChatWire } from './helpers/openai-chat-wire.ts';
import { anthropicWire } from './helpers/anthropic-wire.ts';
import { bedrockWire } from './helpers/bedrock-wire.ts';
import { isolateAwsEnv } from './helpers/aws-env.ts';

// Each real provider, end to end over HTTP on SQLite: a local server speaks the provider's own
// streaming wire format and scripts a whole hierarchy (global → team → worker) delegating by
// native tool calls; the run's events have the shapes the simulated model gives.

const KEYS = {
  CADRE_TEST_OPENAI: 'sk-test-openai-0123456789',
  OPENAI_COMPATIBLE_API_KEY: 'sk-test-compatible-0123456789',
  ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
  AWS_ACCESS_KEY_ID: 'AKIATESTACCESSKEY',
  AWS_SECRET_ACCESS_KEY: 'test-secret-access-key-0123456789',
};

const harness = new ProviderHarness();
// Bedrock signs with the AWS SDK's chain, which reads process.env: its first link, the
// environment variables, is set in this worker process only.
let awsEnv: ReturnType<typeof isolateAwsEnv> | undefined;
test.before(async () => {
  awsEnv = isolateAwsEnv({ AWS_ACCESS_KEY_ID: KEYS.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: KEYS.AWS_SECRET_ACCESS_KEY });
  // The fixtures stand at a base_url: the operator's keys go there only because it allows them.
  await harness.start({ env: KEYS, retry: { initialDelayMs: 0 } }, 2000, { tenantEnvAllowed: Object.keys(KEYS) });
});
test.after.always(async () => {
  await harness.stop();
  awsEnv?.restore();
});

interface Case {
  provider: string;
  wire: WireFormat;
  model: (url: string) => Record<string, unknown>;
  path: RegExp;
  auth: (headers: Record<string, unknown>) => boolean;
  reportsReasoningTokens: boolean;
  cacheReadsSeparate?: boolean;
}

const cases: Case[] = [
  {
    provider: 'openai', wire: openaiResponsesWire,
    model: (url) => ({ provider: 'openai', model_id: 'gpt-4o-mini', base_url: `${url}/v1`, api_key_env: 'CADRE_TEST_OPENAI' }),
    path: /^\/v1\/responses$/, auth: (h) => h.authorization === `Bearer ${KEYS.CADRE_TEST_OPENAI}`, reportsReasoningTokens: true,
  },
  {
    provider: 'openai-compatible', wire: openaiChatWire,
    model: (url) => ({ provider: 'openai-compatible', model_id: 'llama-3.1-8b', base_url: `${url}/v1` }),
    path: /^\/v1\/chat\/completions$/, auth: (h) => h.authorization === `Bearer ${KEYS.OPENAI_COMPATIBLE_API_KEY}`, reportsReasoningTokens: true,
  },
  {
    provider: 'anthropic', wire: anthropicWire,
    model: (url) => ({ provider: 'anthropic', model_id: 'claude-sonnet-4-5', base_url: `${url}/v1`, max_tokens: 4096, params: { thinking_budget_tokens: 2048 } }),
    path: /^\/v1\/messages$/, auth: (h) => h['x-api-key'] === KEYS.ANTHROPIC_API_KEY, reportsReasoningTokens: false, cacheReadsSeparate: true,
  },
  {
    provider: 'bedrock', wire: bedrockWire,
    model: (url) => ({ provider: 'bedrock', model_id: 'anthropic.claude-3-5-sonnet-20240620-v1:0', region: 'eu-west-1', base_url: url }),
    path: /^\/model\/anthropic\.claude-3-5-sonnet-20240620-v1(:|%3A)0\/converse-stream$/,
    auth: (h) => String(h.authorization).startsWith(`AWS4-HMAC-SHA256 Credential=${KEYS.AWS_ACCESS_KEY_ID}/`), reportsReasoningTokens: false,
    cacheReadsSeparate: true,
  },
];

for (const c of cases) {
  test(`${c.provider}: a whole hierarchy delegates through native tool calls and completes, streaming text, reasoning and usage`, async (t) => {
    const provider = new ScriptedProviderServer(c.wire, hierarchyBrain());
    const url = await provider.start();
    t.teardown(() => provider.close());
    const api = harness.api(t);
    const { hierarchyId } = await harness.hierarchyOn(api, c.model(url));
    const { runId, events } = await harness.run(api, hierarchyId, 'Summarise the Q3 trends');

    t.true(events.length > 0);
    const last = events.at(-1);
    t.like(last.event, { category: 'lifecycle', action: 'completed' });
    t.is(last.data.result, 'Answer from Global Supervisor.');
    const kinds = new Set(events.map((e) => `${e.event.category}.${e.event.action}`));
    for (const kind of ['lifecycle.started', 'system.topology', 'llm.stream', 'llm.reasoning', 'llm.tool_call', 'llm.tool_result',
      'dispatch.team', 'dispatch.worker', 'dispatch.team_completed', 'dispatch.worker_completed']) {
      t.true(kinds.has(kind), `${kind} in ${[...kinds].join(', ')}`);
    }
    const calls = events.filter((e) => e.event.action === 'tool_call');
    t.deepEqual(calls.map((e) => [e.source.agent_type, e.data.tool_name]), [['global_supervisor', 'team_Analysts'], ['team_supervisor', 'worker_Ada']]);
    t.deepEqual(calls[0].data.input, { task: 'Part of the work for team_Analysts' });
    const results = events.filter((e) => e.event.action === 'tool_result');
    t.deepEqual(results.map((e) => [e.data.tool_name, e.data.is_error, e.data.result]), [
      ['worker_Ada', false, 'Answer from Ada, a data analyst.'], ['team_Analysts', false, 'Answer from Analysts supervisor.'],
    ]);
    t.is(calls[0].data.tool_call_id, results[1].data.tool_call_id);
    const streamed = events.filter((e) => e.event.action === 'stream' && e.source.agent_type === 'worker').map((e) => e.data.content).join('');
    t.is(streamed, 'Answer from Ada, a data analyst.');
    const reasoning = events.filter((e) => e.event.action === 'reasoning' && e.source.agent_type === 'global_supervisor').map((e) => e.data.content).join('');
    t.is(reasoning, 'Delegating to team_Analysts.Weighing the results.');

    // Five model calls: global, team, worker, team again with the result, global again.
    t.is(provider.requests.length, 5);
    for (const req of provider.requests) {
      t.regex(req.url, c.path);
      t.true(c.auth(req.headers), `the key reached the provider in its own header: ${JSON.stringify(req.headers)}`);
    }
    t.deepEqual(provider.requests[0]!.read.toolNames, ['team_Analysts']);
    t.deepEqual(provider.requests[2]!.read.toolNames, []);
    t.is(provider.requests[0]!.read.temperature, c.provider === 'anthropic' ? undefined : 0.3); // Anthropic drops temperature when thinking
    if (c.provider === 'anthropic') t.deepEqual(provider.requests[0]!.body.thinking, { type: 'enabled', budget_tokens: 2048 });
    // A sequential hierarchy asks for one tool call per turn where the provider has the option.
    if (c.provider === 'openai') t.is(provider.requests[0]!.body.parallel_tool_calls, false);
    if (c.provider === 'anthropic') t.like(provider.requests[0]!.body.tool_choice, { disable_parallel_tool_use: true });
    if (c.provider === 'openai') t.is(provider.requests[2]!.body.parallel_tool_calls, undefined, 'not sent on a call without tools');
    // The delegation goes back to the provider in its own form, thinking signatures included.
    const sentBack = JSON.stringify(provider.requests[4]!.body.messages ?? provider.requests[4]!.body.input);
    t.true(sentBack.includes('Answer from Analysts supervisor.'));
    if (c.provider === 'anthropic') t.true(sentBack.includes('{"type":"thinking","thinking":"Delegating to team_Analysts.","signature":"sig-1"}'));
    if (c.provider === 'bedrock') t.true(sentBack.includes('{"reasoningText":{"text":"Delegating to team_Analysts.","signature":"sig-1"}}'));

    const stored = await api.ok('runs/get', { id: runId });
    t.is(stored.status, 'completed');
    const totals = stored.statistics.totals;
    // Anthropic and Bedrock report cache reads beside input_tokens; the V3 total adds them in.
    const cached = 6 + 6 + 4 + 4 + 4;
    t.like(totals, { model_calls: 5, input_tokens: 2 * 30 + 3 * 20 + (c.cacheReadsSeparate ? cached : 0), errors: 0, model_retries: 0 });
    t.is(totals.output_tokens, 10 + 10 + 8 + 8 + 8);
    t.is(totals.cached_input_tokens, cached);
    t.is(totals.reasoning_tokens, c.reportsReasoningTokens ? 4 + 4 + 3 + 3 + 3 : 0);
    // The key is never in the stored run or its events.
    const everything = JSON.stringify([stored, events]);
    for (const key of Object.values(KEYS)) t.false(everything.includes(key));
  });
}
