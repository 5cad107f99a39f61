import { z } from 'zod';
import { defineRoute } from '../api-route.ts';
import { pageOf } from '../../domain/common-schemas.ts';
import { secretDeleteSchema, secretListSchema, secretSetSchema, secretView, secretViewSchema } from '../../domain/tenant-secrets.ts';
import { deleteSecret, listSecrets, setSecret } from '../../services/secret-service.ts';
import { secretExamples } from './examples/resource-examples.ts';

/** A tenant's secrets: set (create or replace), list (names and dates) and delete. No route returns a value. */
export const secretRoutes = [
  defineRoute({
    path: '/secrets/set', tag: 'secrets',
    summary: "Create or replace one of the tenant's secrets (encrypted at rest; models name it as api_key_secret, MCP servers in headers_secret)",
    description: 'Stored encrypted with the server\'s SECRETS_KEY, bound to this tenant and name; never returned, logged or shown in errors. '
      + '`created` tells a new secret from a replaced one. At most 200 secrets a tenant, 16 KiB each.',
    examples: secretExamples.set,
    errors: { '409': 'SECRETS_LIMIT_REACHED: the tenant holds 200 secrets', '503': 'SECRETS_KEY_MISSING: the server has no SECRETS_KEY, so it cannot encrypt' },
    body: secretSetSchema, response: secretViewSchema.extend({ created: z.boolean() }), message: 'secret saved',
    async handle({ input, repos }) {
      const { secret, created } = await setSecret(repos, input.name, input.value);
      return { ...secretView(secret), created };
    },
  }),
  defineRoute({
    path: '/secrets/list', tag: 'secrets', summary: "The tenant's secrets: names and dates, never values (paginated)",
    description: 'By name; what rows name as api_key_secret or in headers_secret.', examples: secretExamples.list,
    body: secretListSchema, response: secretViewSchema, paginated: true,
    async handle({ input, repos }) {
      const slice = await listSecrets(repos, { page: input.page, size: input.size });
      return pageOf(slice.items.map(secretView), slice.total, input.page, input.size);
    },
  }),
  defineRoute({
    path: '/secrets/delete', tag: 'secrets', summary: 'Remove a secret (rows still naming it are refused when used, naming it)',
    description: 'Models and MCP servers still naming it are refused when a run starts, naming the secret.',
    examples: secretExamples.delete, errors: { '404': 'SECRET_NOT_FOUND: no secret of that name for this tenant' },
    body: secretDeleteSchema, response: z.object({ name: z.string() }), message: 'secret deleted',
    async handle({ input, repos }) {
      await deleteSecret(repos, input.name);
      return { name: input.name };
    },
  }),
];
