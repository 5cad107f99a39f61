import { z } from 'zod';
import { gatewayFields, paginationFields } from './common-schemas.ts';

/** What one tenant may grow: values up to 16 KiB (UTF-8), at most 200 secrets. */
export const MAX_SECRET_VALUE_BYTES = 16 * 1024;
export const MAX_SECRETS_PER_TENANT = 200;

/** Like an environment variable name, plus `-` and `.`: what rows name a secret by. */
export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export const secretNameSchema = z.string().regex(SECRET_NAME, "1-128 letters, digits, '_', '-' or '.'");

export const secretSetSchema = z.object({
  name: secretNameSchema,
  value: z.string().min(1, 'must not be empty')
    .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_SECRET_VALUE_BYTES, `at most ${MAX_SECRET_VALUE_BYTES} bytes (UTF-8)`)
    .meta({ description: 'The secret itself: stored encrypted, never returned, logged or shown in errors' }),
  ...gatewayFields,
}).strict().meta({ id: 'SecretSet' });
export const secretDeleteSchema = z.object({ name: secretNameSchema, ...gatewayFields }).strict();
export const secretListSchema = z.object({ ...paginationFields, ...gatewayFields }).strict();

/** A secret as anyone may see it: its name and dates, never its value. */
export interface TenantSecretInfo {
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export const secretViewSchema = z.object({
  name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Secret' });

export function secretView(s: TenantSecretInfo): z.infer<typeof secretViewSchema> {
  return { name: s.name, created_at: s.createdAt.toISOString(), updated_at: s.updatedAt.toISOString() };
}
