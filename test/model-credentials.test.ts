import test from 'ava';
import { modelCredentials } from '../src/models/model-credentials.ts';
import { createProviderModel } from '../src/models/provider-models.ts';
import { guardedFetch } from '../src/outbound/guarded-fetch.ts';
import { STRICT_OUTBOUND } from '../src/outbound/outbound-policy.ts';
import type { ModelRecord } from '../src/domain/model-schemas.ts';

// Which of the operator's credentials a Bedrock row may use, and where its endpoint may point.

const bedrockRow = (fields: Partial<ModelRecord> = {}): ModelRecord => ({
  id: 'm1', tenantId: 't', name: 'nova', modelId: 'amazon.nova-pro-v1:0', provider: 'bedrock', baseUrl: null, region: 'eu-west-1',
  temperature: null, maxTokens: null, topP: null, description: null, isActive: true, params: null, apiKeyEnv: null, apiKeySecret: null,
  inputPricePerMtok: null, outputPricePerMtok: null, cachedInputPricePerMtok: null,
  createdAt: new Date(), updatedAt: new Date(), ...fields,
});
const BEARER = { AWS_BEARER_TOKEN_BEDROCK: 'operator-bearer-token' };

test("Bedrock: the package's own bearer variable is used towards AWS's endpoint only, never a tenant's base_url", (t) => {
  t.deepEqual(modelCredentials(bedrockRow(), 'bedrock', { env: BEARER, envAllowed: [] }), { key: 'operator-bearer-token', awsChain: false });
  const towardsTenant = bedrockRow({ baseUrl: 'https://bedrock.tenant.example' });
  t.throws(() => modelCredentials(towardsTenant, 'bedrock', { env: BEARER, envAllowed: [] }), { message: /needs api_key_secret or an allowed api_key_env/ });
  // Only the SigV4 chain allowed towards the base_url: no bearer token, the chain signs.
  t.deepEqual(modelCredentials(towardsTenant, 'bedrock', { env: BEARER, envAllowed: ['AWS_SECRET_ACCESS_KEY'] }), { awsChain: true });
  t.deepEqual(modelCredentials(towardsTenant, 'bedrock', { env: BEARER, envAllowed: ['AWS_BEARER_TOKEN_BEDROCK'] }), { key: 'operator-bearer-token', awsChain: false });
});

test('Bedrock: a region that is not an AWS region name is refused at use (it is part of the endpoint host)', (t) => {
  const fetch = guardedFetch(STRICT_OUTBOUND);
  for (const region of ['x@attacker.example/', 'attacker.example#', 'eu-west-1.attacker.example', 'EU-WEST-1']) {
    t.throws(() => createProviderModel(bedrockRow({ region }), 'bedrock', {}, { awsChain: true }, fetch), { message: /region must be an AWS region/ }, region);
  }
  for (const region of ['eu-west-1', 'us-gov-west-1', 'ap-southeast-2', 'eusc-de-east-1']) {
    t.notThrows(() => createProviderModel(bedrockRow({ region }), 'bedrock', {}, { awsChain: true }, fetch), region);
  }
});
