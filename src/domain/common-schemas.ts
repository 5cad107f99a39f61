import { z } from 'zod';

/** The names of the gateway-injected fields (see gatewayFields). */
export const GATEWAY_FIELD_NAMES = ['tenantId', 'traceId', 'userId'] as const;

/**
 * A field only a gateway sets. `readOnly` keeps it out of the samples Swagger UI builds for a
 * request: a newcomer who sends the sample unchanged must not land in a tenant named "string".
 */
const gatewayOnly = (what: string) => z.string().optional().meta({
  readOnly: true,
  description: `Gateway-only: ${what}, injected by an API gateway in front of Cadre. Clients leave it out`,
});

/** Fields an API gateway may inject into any body; accepted everywhere, used for tenancy/tracing. */
export const gatewayFields = {
  tenantId: gatewayOnly('the tenant of the request when there is neither an API key nor X-Tenant-Id (a value here moves the request into that tenant)'),
  traceId: gatewayOnly("the gateway's trace id"),
  userId: gatewayOnly('the end user the gateway authenticated'),
};

export const idSchema = z.object({ id: z.string().min(1).max(64), ...gatewayFields }).strict();

export const paginationFields = {
  page: z.number().int().min(1).default(1).meta({ description: 'Page number, from 1' }),
  size: z.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1..100' }),
};

export interface Page<T> {
  content: T[];
  page: number;
  size: number;
  totalElements: number;
  totalPages: number;
  first: boolean;
  last: boolean;
}

export function pageOf<T>(content: T[], total: number, page: number, size: number): Page<T> {
  const totalPages = Math.ceil(total / size);
  return { content, page, size, totalElements: total, totalPages, first: page === 1, last: page >= totalPages };
}

export const llmConfigSchema = z
  .object({
    model_id: z.string().min(1).max(255).optional().meta({ description: 'A registered model: its id, name or model_id' }),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().min(1).max(100000).optional(),
    top_p: z.number().min(0).max(1).optional(),
  })
  .strict()
  .meta({ id: 'LlmConfig' });
export type LlmConfig = z.infer<typeof llmConfigSchema>;
