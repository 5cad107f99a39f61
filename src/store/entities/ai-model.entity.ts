import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { tenantFilter } from '../tenant-filter.ts';

/**
 * A registered language model. No key is stored here: `apiKeyEnv` names an operator variable,
 * `apiKeySecret` one of the tenant's secrets (tenant_secret, encrypted).
 */
export const AiModelSchema = defineEntity({
  name: 'AiModel',
  tableName: 'ai_model',
  filters: tenantFilter,
  uniques: [{ properties: ['tenantId', 'name'], name: 'ai_model_tenant_name_unique' }],
  properties: {
    id: p.string().length(36).primary().onCreate(() => randomUUID()),
    tenantId: p.string().length(64).index(),
    name: p.string().length(255),
    modelId: p.string().length(255),
    provider: p.string().length(32),
    baseUrl: p.string().length(1024).nullable(),
    region: p.string().length(64).nullable(),
    temperature: p.double().nullable(),
    maxTokens: p.integer().nullable(),
    topP: p.double().nullable(),
    description: p.text().nullable(),
    isActive: p.boolean().default(true),
    params: p.json<Record<string, unknown>>().nullable(),
    apiKeyEnv: p.string().length(255).nullable(),
    apiKeySecret: p.string().length(128).nullable(),
    /** Prices, USD per million tokens: a run's cost (and max_cost_usd budgets) come from them. */
    inputPricePerMtok: p.double().nullable(),
    outputPricePerMtok: p.double().nullable(),
    cachedInputPricePerMtok: p.double().nullable(),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
    updatedAt: p.datetime().length(3).onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class AiModel extends AiModelSchema.class {}
AiModelSchema.setClass(AiModel);
