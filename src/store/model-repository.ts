import type { EntityManager } from '@mikro-orm/core';
import { AiModel } from './entities/index.ts';
import type { ModelFields, ModelRepository, PageQuery, Slice } from '../domain/repositories.ts';
import type { ModelRecord, Provider } from '../domain/model-schemas.ts';

function toRecord(m: AiModel): ModelRecord {
  return {
    id: m.id,
    tenantId: m.tenantId,
    name: m.name,
    modelId: m.modelId,
    provider: m.provider as Provider,
    baseUrl: m.baseUrl ?? null,
    region: m.region ?? null,
    temperature: m.temperature == null ? null : Number(m.temperature),
    maxTokens: m.maxTokens ?? null,
    topP: m.topP == null ? null : Number(m.topP),
    description: m.description ?? null,
    isActive: m.isActive,
    params: m.params ?? null,
    apiKeyEnv: m.apiKeyEnv ?? null,
    apiKeySecret: m.apiKeySecret ?? null,
    inputPricePerMtok: m.inputPricePerMtok == null ? null : Number(m.inputPricePerMtok),
    outputPricePerMtok: m.outputPricePerMtok == null ? null : Number(m.outputPricePerMtok),
    cachedInputPricePerMtok: m.cachedInputPricePerMtok == null ? null : Number(m.cachedInputPricePerMtok),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** snake_case API fields → entity properties; only the fields present are set. */
function toEntityData(fields: Partial<ModelFields>) {
  const data: Record<string, unknown> = {};
  const map: Array<[keyof ModelFields, string]> = [
    ['name', 'name'], ['model_id', 'modelId'], ['provider', 'provider'], ['base_url', 'baseUrl'],
    ['region', 'region'], ['temperature', 'temperature'], ['max_tokens', 'maxTokens'], ['top_p', 'topP'],
    ['description', 'description'], ['is_active', 'isActive'], ['params', 'params'], ['api_key_env', 'apiKeyEnv'],
    ['api_key_secret', 'apiKeySecret'], ['input_price_per_mtok', 'inputPricePerMtok'], ['output_price_per_mtok', 'outputPricePerMtok'],
    ['cached_input_price_per_mtok', 'cachedInputPricePerMtok'],
  ];
  for (const [from, to] of map) if (fields[from] !== undefined) data[to] = fields[from];
  return data;
}

export class SqlModelRepository implements ModelRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  async list(query: PageQuery & { isActive?: boolean; provider?: string }): Promise<Slice<ModelRecord>> {
    const where: Record<string, unknown> = {};
    if (query.isActive !== undefined) where.isActive = query.isActive;
    if (query.provider !== undefined) where.provider = query.provider;
    const [rows, total] = await this.#em.findAndCount(AiModel, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: query.size,
      offset: (query.page - 1) * query.size,
    });
    return { items: rows.map(toRecord), total };
  }

  async find(id: string): Promise<ModelRecord | null> {
    const row = await this.#em.findOne(AiModel, { id });
    return row ? toRecord(row) : null;
  }

  async findByName(name: string): Promise<ModelRecord | null> {
    const row = await this.#em.findOne(AiModel, { name });
    return row ? toRecord(row) : null;
  }

  async findByRef(ref: string): Promise<ModelRecord | null> {
    const row = (await this.#em.findOne(AiModel, { id: ref }))
      ?? (await this.#em.findOne(AiModel, { name: ref }))
      ?? (await this.#em.findOne(AiModel, { modelId: ref }, { orderBy: { createdAt: 'asc' } }));
    return row ? toRecord(row) : null;
  }

  async create(fields: ModelFields): Promise<ModelRecord> {
    const row = this.#em.create(AiModel, {
      ...(toEntityData(fields) as Pick<AiModel, 'name' | 'modelId' | 'provider'>),
      tenantId: this.#tenantId,
    });
    await this.#em.flush();
    return toRecord(row);
  }

  async update(id: string, fields: Partial<ModelFields>): Promise<ModelRecord | null> {
    const row = await this.#em.findOne(AiModel, { id });
    if (!row) return null;
    this.#em.assign(row, toEntityData(fields) as Partial<AiModel>);
    await this.#em.flush();
    return toRecord(row);
  }

  async delete(id: string): Promise<boolean> {
    const row = await this.#em.findOne(AiModel, { id });
    if (!row) return false;
    await this.#em.remove(row).flush();
    return true;
  }
}
