import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { ModelFields, PageQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import type { ModelCreate, ModelRecord, ModelUpdate, Provider } from '../domain/model-schemas.ts';
import { validateProviderParams } from '../models/provider-params.ts';
import { createAgentModel, type ModelCallSettings } from '../models/model-factory.ts';
import { streamTurn } from '../models/stream-turn.ts';
import { userMessage } from '../models/conversation.ts';
import { describeError } from '../models/turn-builder.ts';
import { scrubError } from '../models/secret-scrubbing-model.ts';
import { urlRefusal, type OutboundPolicy } from '../outbound/outbound-policy.ts';

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

export async function createModel(repos: TenantRepositories, input: ModelCreate, outbound: OutboundPolicy): Promise<ModelRecord> {
  const fields: ModelFields = withoutGatewayFields(input);
  checkBaseUrl(fields.base_url, outbound);
  const provider: Provider = fields.provider ?? (fields.region ? 'bedrock' : 'simulated');
  validateProviderParams(provider, fields.params ?? null);
  if (await repos.models.findByName(fields.name)) throw new ConflictError(`a model named "${fields.name}" already exists`);
  return repos.models.create({ ...fields, provider });
}

export async function getModel(repos: TenantRepositories, id: string): Promise<ModelRecord> {
  const model = await repos.models.find(id);
  if (!model) throw new NotFoundError(`model ${id} not found`, 'MODEL_NOT_FOUND');
  return model;
}

export async function updateModel(repos: TenantRepositories, input: ModelUpdate, outbound: OutboundPolicy): Promise<ModelRecord> {
  const { id, ...patch } = withoutGatewayFields(input);
  checkBaseUrl(patch.base_url, outbound);
  const current = await getModel(repos, id);
  if (Object.keys(patch).length === 0) throw new ValidationError('body: nothing to update (give at least one field besides id)');
  if (patch.name !== undefined && patch.name !== current.name && (await repos.models.findByName(patch.name))) {
    throw new ConflictError(`a model named "${patch.name}" already exists`);
  }
  validateProviderParams(patch.provider ?? current.provider, patch.params === undefined ? current.params : patch.params);
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
    const agentModel = createAgentModel(record, { ...settings, retry: { maxRetries: 0 } });
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
