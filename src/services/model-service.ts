import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { ModelFields, PageQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import type { ModelCreate, ModelRecord, ModelUpdate, Provider } from '../domain/model-schemas.ts';
import { validateProviderParams } from '../models/provider-params.ts';
import { createAgentModel, type ModelCallSettings } from '../models/model-factory.ts';
import { streamTurn } from '../models/stream-turn.ts';
import { userMessage } from '../models/conversation.ts';
import { describeError } from '../models/turn-builder.ts';
import { scrubError } from '../models/secret-scrubbing-model.ts';
import { assertEnvAllowed } from '../domain/env-allow-list.ts';
import { assertSecretsExist } from './secret-service.ts';
import { urlRefusal, type OutboundPolicy } from '../outbound/outbound-policy.ts';

/**
 * What a tenant's row may reference: the operator variables TENANT_ENV_ALLOWED names (default
 * none) and the addresses the outbound policy (OUTBOUND_ALLOWED_HOSTS) lets a URL reach.
 */
export interface TenantEnvPolicy {
  envAllowed: readonly string[];
  outbound: OutboundPolicy;
}

/**
 * Where the row's key comes from, checked as it is saved: one source at most, an api_key_env
 * the operator allows, an api_key_secret that exists. Only the fields given are checked (a
 * stored reference the setting no longer allows is refused at use, naming it).
 */
async function checkKeySource(
  repos: TenantRepositories, given: { api_key_env?: string | null; api_key_secret?: string | null },
  current: { apiKeyEnv: string | null; apiKeySecret: string | null }, policy: TenantEnvPolicy,
): Promise<void> {
  const env = given.api_key_env === undefined ? current.apiKeyEnv : given.api_key_env;
  const secret = given.api_key_secret === undefined ? current.apiKeySecret : given.api_key_secret;
  if (env !== null && secret !== null) {
    const field = given.api_key_secret != null ? 'api_key_secret' : 'api_key_env';
    throw new ValidationError(`${field}: give api_key_env or api_key_secret, not both (set the other to null)`);
  }
  if (given.api_key_env != null) assertEnvAllowed('api_key_env', given.api_key_env, policy.envAllowed);
  if (given.api_key_secret != null) await assertSecretsExist(repos, [{ field: 'api_key_secret', name: given.api_key_secret }]);
}

function withoutGatewayFields<T extends { tenantId?: unknown; traceId?: unknown; userId?: unknown }>(input: T) {
  const { tenantId: _t, traceId: _r, userId: _u, ...rest } = input;
  return rest;
}

export async function listModels(repos: TenantRepositories, query: PageQuery & { isActive?: boolean; provider?: string }): Promise<Slice<ModelRecord>> {
  return repos.models.list(query);
}

/** A base_url no connection could ever be allowed to reach is refused when registered, naming the field and the setting. */
function checkBaseUrl(baseUrl: string | null | undefined, outbound: OutboundPolicy): void {
  if (baseUrl === null || baseUrl === undefined) return;
  const refusal = urlRefusal(outbound, baseUrl);
  if (refusal) throw new ValidationError(`base_url: ${refusal}`, undefined, 'OUTBOUND_REFUSED');
}

export async function createModel(repos: TenantRepositories, input: ModelCreate, policy: TenantEnvPolicy): Promise<ModelRecord> {
  const fields: ModelFields = withoutGatewayFields(input);
  checkBaseUrl(fields.base_url, policy.outbound);
  const provider: Provider = fields.provider ?? (fields.region ? 'bedrock' : 'simulated');
  validateProviderParams(provider, fields.params ?? null);
  await checkKeySource(repos, fields, { apiKeyEnv: null, apiKeySecret: null }, policy);
  if (await repos.models.findByName(fields.name)) throw new ConflictError(`a model named "${fields.name}" already exists`);
  return repos.models.create({ ...fields, provider });
}

export async function getModel(repos: TenantRepositories, id: string): Promise<ModelRecord> {
  const model = await repos.models.find(id);
  if (!model) throw new NotFoundError(`model ${id} not found`, 'MODEL_NOT_FOUND');
  return model;
}

export async function updateModel(repos: TenantRepositories, input: ModelUpdate, policy: TenantEnvPolicy): Promise<ModelRecord> {
  const { id, ...patch } = withoutGatewayFields(input);
  checkBaseUrl(patch.base_url, policy.outbound);
  const current = await getModel(repos, id);
  if (Object.keys(patch).length === 0) throw new ValidationError('body: nothing to update (give at least one field besides id)');
  if (patch.name !== undefined && patch.name !== current.name && (await repos.models.findByName(patch.name))) {
    throw new ConflictError(`a model named "${patch.name}" already exists`);
  }
  validateProviderParams(patch.provider ?? current.provider, patch.params === undefined ? current.params : patch.params);
  await checkKeySource(repos, patch, current, policy);
  const updated = await repos.models.update(id, patch);
  if (!updated) throw new NotFoundError(`model ${id} not found`, 'MODEL_NOT_FOUND');
  return updated;
}

export async function deleteModel(repos: TenantRepositories, id: string): Promise<void> {
  if (!(await repos.models.delete(id))) throw new NotFoundError(`model ${id} not found`, 'MODEL_NOT_FOUND');
}

export type ModelCheck =
  | { ok: true; latency_ms: number; model_id: string; provider: Provider; reply: string }
  | { ok: false; error: string; model_id: string; provider: Provider };

/**
 * One tiny call through a registered model ("Reply with OK", 5 tokens, no retry, a short time
 * budget), so a user can verify credentials and reachability before a run. A provider's refusal
 * is an answer (`ok: false` with its error, never the key), not an HTTP error.
 */
export async function checkModel(
  repos: TenantRepositories, id: string, settings: ModelCallSettings & { timeoutMs: number },
): Promise<ModelCheck> {
  const record = await getModel(repos, id);
  const about = { model_id: record.modelId, provider: record.provider };
  const started = performance.now();
  let secrets: readonly string[] = [];
  try {
    const apiKey = await revealModelKey(repos, record);
    if (apiKey !== undefined) secrets = [apiKey];
    const agentModel = createAgentModel(record, { ...settings, retry: { maxRetries: 0 } }, apiKey);
    secrets = agentModel.secrets ?? [];
    const turn = await streamTurn(agentModel.model, {
      messages: [userMessage('Reply with OK.')],
      maxOutputTokens: 5,
      ...(agentModel.providerOptions && { providerOptions: agentModel.providerOptions }),
      retry: { maxRetries: 0 },
      idleTimeoutMs: Math.min(settings.idleTimeoutMs ?? settings.timeoutMs, settings.timeoutMs),
    }, {}, AbortSignal.timeout(settings.timeoutMs));
    return { ok: true, latency_ms: Math.round(performance.now() - started), ...about, reply: turn.text };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return { ok: false, error: timedOut ? `no answer within ${settings.timeoutMs} ms` : describeError(scrubError(err, secrets)), ...about };
  }
}

/**
 * The value of a row's api_key_secret, read from the store now (undefined: the row names none,
 * or the secret does not exist — createAgentModel then refuses, naming it).
 */
export async function revealModelKey(repos: TenantRepositories, record: ModelRecord | null): Promise<string | undefined> {
  if (!record?.apiKeySecret) return undefined;
  return (await repos.secrets.reveal([record.apiKeySecret])).get(record.apiKeySecret);
}
