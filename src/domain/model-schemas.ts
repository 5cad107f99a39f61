import { z } from 'zod';
import { freeFormObject } from './free-form-json.ts';
import { gatewayFields, paginationFields } from './common-schemas.ts';
import { secretNameSchema } from './tenant-secrets.ts';
import { priceFields } from './budget-schemas.ts';

export const providers = ['simulated', 'openai', 'openai-compatible', 'anthropic', 'bedrock'] as const;

/**
 * An AWS region name (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`). The Bedrock package puts
 * it into the endpoint's host name, so anything else (`x@attacker.example/`) could move the host.
 */
export const AWS_REGION = /^[a-z]{2,5}(-[a-z]+){1,3}-\d{1,2}$/;
export type Provider = (typeof providers)[number];

const modelFields = {
  name: z.string().trim().min(1).max(255),
  model_id: z.string().trim().min(1).max(255).meta({ description: "The provider's model identifier" }),
  provider: z.enum(providers).optional().meta({ description: 'Default: bedrock when region is set, else simulated' }),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(1024).nullable().optional()
    .meta({ description: "The provider's API URL; it must reach a public address (loopback, private, link-local and metadata addresses are refused unless the operator's OUTBOUND_ALLOWED_HOSTS allows them)" }),
  region: z.string().trim().max(64).regex(AWS_REGION, 'must be an AWS region such as us-east-1').nullable().optional()
    .meta({ description: 'Bedrock: the AWS region (part of the endpoint host, so only a region name is accepted)' }),
  temperature: z.number().min(0).max(2).nullable().optional(),
  max_tokens: z.number().int().min(1).max(100000).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  description: z.string().max(4000).nullable().optional(),
  is_active: z.boolean().optional(),
  params: freeFormObject().nullable().optional()
    .meta({ description: 'Provider-specific settings (simulated: token_delay_ms, reply_tokens, jitter_ms, reasoning, fail_marker)' }),
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').max(255).nullable().optional()
    .meta({ description: 'Name of the operator environment variable holding the API key; only names TENANT_ENV_ALLOWED allows' }),
  api_key_secret: secretNameSchema.nullable().optional()
    .meta({ description: "Name of the tenant's secret (secrets/set) holding the API key; exclusive with api_key_env" }),
  ...priceFields,
};

export const modelCreateSchema = z.object({ ...modelFields, ...gatewayFields }).strict().meta({ id: 'ModelCreate' });
export const modelUpdateSchema = z
  .object({
    id: z.string().min(1).max(64),
    ...modelFields,
    name: modelFields.name.optional(),
    model_id: modelFields.model_id.optional(),
    ...gatewayFields,
  })
  .strict()
  .meta({ id: 'ModelUpdate' });
export const modelListSchema = z
  .object({ ...paginationFields, is_active: z.boolean().optional(), provider: z.enum(providers).optional(), ...gatewayFields })
  .strict();

export type ModelCreate = z.infer<typeof modelCreateSchema>;
export type ModelUpdate = z.infer<typeof modelUpdateSchema>;

/** A registered model as every layer sees it (no ORM entity leaves the store). */
export interface ModelRecord {
  id: string;
  tenantId: string;
  name: string;
  modelId: string;
  provider: Provider;
  baseUrl: string | null;
  region: string | null;
  temperature: number | null;
  maxTokens: number | null;
  topP: number | null;
  description: string | null;
  isActive: boolean;
  params: Record<string, unknown> | null;
  apiKeyEnv: string | null;
  apiKeySecret: string | null;
  /** USD per million tokens (null: not priced, its calls cost 0). */
  inputPricePerMtok: number | null;
  outputPricePerMtok: number | null;
  cachedInputPricePerMtok: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const modelViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    model_id: z.string(),
    provider: z.enum(providers),
    base_url: z.string().nullable(),
    region: z.string().nullable(),
    temperature: z.number().nullable(),
    max_tokens: z.number().nullable(),
    top_p: z.number().nullable(),
    description: z.string().nullable(),
    is_active: z.boolean(),
    params: z.record(z.string(), z.unknown()).nullable(),
    api_key_env: z.string().nullable(),
    api_key_secret: z.string().nullable(),
    input_price_per_mtok: z.number().nullable(),
    output_price_per_mtok: z.number().nullable(),
    cached_input_price_per_mtok: z.number().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Model' });
export type ModelView = z.infer<typeof modelViewSchema>;

export function modelView(m: ModelRecord): ModelView {
  return {
    id: m.id,
    name: m.name,
    model_id: m.modelId,
    provider: m.provider,
    base_url: m.baseUrl,
    region: m.region,
    temperature: m.temperature,
    max_tokens: m.maxTokens,
    top_p: m.topP,
    description: m.description,
    is_active: m.isActive,
    params: m.params,
    api_key_env: m.apiKeyEnv,
    api_key_secret: m.apiKeySecret,
    input_price_per_mtok: m.inputPricePerMtok,
    output_price_per_mtok: m.outputPricePerMtok,
    cached_input_price_per_mtok: m.cachedInputPricePerMtok,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
  };
}
