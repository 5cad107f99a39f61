import test, { type ExecutionContext } from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderHarness, hierarchyBrain } from './helpers/provider-harness.ts';
import { ScriptedProviderServer } from './helpers/scripted-provider-server.ts';
import { bedrockWire } from './helpers/bedrock-wire.ts';
import { isolateAwsEnv } from './helpers/aws-env.ts';

// Bedrock without an API key signs with the AWS SDK's standard credential chain, resolved at
// the first call. The chain reads process.env and the shared files, so each test sets them in
// this worker process (serially: they would race otherwise) and restores them; the instance
// metadata endpoint is disabled, so nothing leaves 127.0.0.1.

const PROFILE = {
  name: 'cadre-test',
  accessKeyId: 'AKIAPROFILETEST0001',
  secretAccessKey: 'profile-secret-access-key-0123456789',
  sessionToken: 'profile-session-token-0123456789',
};
const SECRETS = [PROFILE.secretAccessKey, PROFILE.sessionToken];

const harness = new ProviderHarness();
// No `env`: keys are read from process.env, as in production.
// The fixture stands at a base_url: the AWS chain signs towards it only because the operator allows it.
test.before(async () => harness.start({ retry: { maxRetries: 2, initialDelayMs: 0 } }, 2000, { tenantEnvAllowed: ['AWS_SECRET_ACCESS_KEY', 'CADRE_TEST_BEDROCK_KEY'] }));
test.after.always(() => harness.stop());

const bedrockModel = (url: string) => ({ provider: 'bedrock', model_id: 'amazon.nova-pro-v1:0', region: 'eu-west-1', base_url: url });

/** A temporary shared credentials file holding PROFILE, selected by AWS_PROFILE; no AWS_ACCESS_KEY_ID anywhere. */
function profileFromSharedFile(t: ExecutionContext): void {
  const aws = isolateAwsEnv({ AWS_PROFILE: PROFILE.name });
  t.teardown(aws.restore);
  writeFileSync(join(aws.dir, 'credentials'), [
    '[default]', 'aws_access_key_id = AKIANOTTHISONE', 'aws_secret_access_key = not-this-secret', '',
    `[${PROFILE.name}]`, `aws_access_key_id = ${PROFILE.accessKeyId}`, `aws_secret_access_key = ${PROFILE.secretAccessKey}`,
    `aws_session_token = ${PROFILE.sessionToken}`, '',
  ].join('\n'));
  t.is(process.env.AWS_ACCESS_KEY_ID, undefined);
}

async function scripted(t: ExecutionContext, reply: ConstructorParameters<typeof ScriptedProviderServer>[1]) {
  const server = new ScriptedProviderServer(bedrockWire, reply);
  const url = await server.start();
  t.teardown(() => server.close());
  return { server, url };
}

test.serial('credentials from a shared credentials file via AWS_PROFILE sign every request (SigV4 with that profile)', async (t) => {
  profileFromSharedFile(t);
  const { server, url } = await scripted(t, hierarchyBrain());
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, bedrockModel(url));
  const { runId, events } = await harness.run(api, hierarchyId, 'Summarise the Q3 trends');
  t.like(events.at(-1).event, { category: 'lifecycle', action: 'completed' });
  t.is(server.requests.length, 5);
  for (const req of server.requests) {
    t.regex(String(req.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=${PROFILE.accessKeyId}/\\d{8}/eu-west-1/bedrock/aws4_request, SignedHeaders=`));
    t.is(req.headers['x-amz-security-token'], PROFILE.sessionToken, "the profile's session token went with the signature");
  }
  const stored = await api.ok('runs/get', { id: runId });
  const everything = JSON.stringify([stored, events]);
  for (const secret of SECRETS) t.false(everything.includes(secret), 'a resolved secret leaked');
});

test.serial('resolved AWS secrets are scrubbed from errors: a server echoing them fails the run with [redacted]', async (t) => {
  profileFromSharedFile(t);
  // A hostile server echoes the session token it got, and the secret key besides.
  const { server, url } = await scripted(t, (_req, i) => ({
    error: 403, message: `Bad token ${String(server.requests[i]!.headers['x-amz-security-token'])} for secret ${PROFILE.secretAccessKey}`,
  }));
  const api = harness.api(t);
  const { modelId, hierarchyId } = await harness.hierarchyOn(api, bedrockModel(url));
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  t.is(server.requests.length, 1, 'a 403 is not retried');
  const last = events.at(-1);
  t.is(last.event.action, 'failed');
  t.regex(last.data.error, /bedrock model "amazon\.nova-pro-v1:0" \(.+\) failed: .*Bad token \[redacted\] for secret \[redacted\]/);
  const check = await api.ok('models/check', { id: modelId });
  t.like(check, { ok: false, provider: 'bedrock' });
  t.regex(check.error, /Bad token \[redacted\]/);
  const stored = await api.ok('runs/get', { id: runId });
  const everything = JSON.stringify([stored, events, check]);
  for (const secret of SECRETS) t.false(everything.includes(secret), 'a resolved secret leaked');
});

test.serial('no AWS credentials anywhere: the run starts, its first call fails naming provider, model and the chain, and nothing is sent', async (t) => {
  const aws = isolateAwsEnv(); // empty shared files, no AWS_* variables, no instance metadata
  t.teardown(aws.restore);
  const { server, url } = await scripted(t, hierarchyBrain());
  const api = harness.api(t);
  const { modelId, hierarchyId } = await harness.hierarchyOn(api, bedrockModel(url));
  // The rule: credentials are only known by resolving the chain, which happens at the call.
  const { runId, events } = await harness.run(api, hierarchyId, 'task');
  const last = events.at(-1);
  t.is(last.event.action, 'failed');
  t.regex(last.data.error, /bedrock model "amazon\.nova-pro-v1:0" \(.+\) failed: .*no AWS credentials found by the standard chain .*Could not load credentials from any providers/);
  t.is(server.requests.length, 0, 'an unsigned request never left');
  const stored = await api.ok('runs/get', { id: runId });
  t.is(stored.status, 'failed');
  t.like(stored.statistics.totals, { model_retries: 0 });
  const check = await api.ok('models/check', { id: modelId });
  t.like(check, { ok: false, provider: 'bedrock', model_id: 'amazon.nova-pro-v1:0' });
  t.regex(check.error, /no AWS credentials found by the standard chain/);
});

test.serial('a Bedrock API key still comes first: it is sent as a bearer token even when a profile is set', async (t) => {
  profileFromSharedFile(t);
  process.env.CADRE_TEST_BEDROCK_KEY = 'bedrock-api-key-0123456789';
  t.teardown(() => { delete process.env.CADRE_TEST_BEDROCK_KEY; });
  const { server, url } = await scripted(t, hierarchyBrain());
  const api = harness.api(t);
  const { hierarchyId } = await harness.hierarchyOn(api, { ...bedrockModel(url), api_key_env: 'CADRE_TEST_BEDROCK_KEY' });
  const { events } = await harness.run(api, hierarchyId, 'task');
  t.is(events.at(-1).event.action, 'completed');
  t.is(server.requests.length, 5);
  for (const req of server.requests) t.is(req.headers.authorization, 'Bearer bedrock-api-key-0123456789');
});
