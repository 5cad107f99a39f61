import { z } from 'zod';

/** Fields an API gateway may inject into any body; accepted everywhere, used for tenancy/tracing. */
export const gatewayFields = {
  tenantId: z.string().optional(),
  traceId: z.string().optional(),
  userId: z.string().optional(),
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
