import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { ModelFields, TenantRepositories } from '../domain/repositories.ts';
import type { ModelCreate, ModelRecord, ModelUpdate, Provider } from '../domain/model-schemas.ts';
import { validateProviderParams } from '../models/provider-params.ts';

function withoutGatewayFields<T extends { tenantId?: unknown; traceId?: unknown; userId?: unknown }>(input: T) {
  const { tenantId: _t, traceId: _r, userId: _u, ...rest } = input;
  return rest;
}

export async function createModel(repos: TenantRepositories, input: ModelCreate): Promise<ModelRecord> {
  const fields: ModelFields = withoutGatewayFields(input);
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

export async function updateModel(repos: TenantRepositories, input: ModelUpdate): Promise<ModelRecord> {
  const { id, ...patch } = withoutGatewayFields(input);
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
