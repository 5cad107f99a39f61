import { z } from 'zod';
import { defineRoute } from '../api-route.ts';
import { pageOf } from '../../domain/common-schemas.ts';
import { secretDeleteSchema, secretListSchema, secretSetSchema, secretView, secretViewSchema } from '../../domain/tenant-secrets.ts';
import { deleteSecret, listSecrets, setSecret } from '../../services/secret-service.ts';

/** A tenant's secrets: set (create or replace), list (names and dates) and delete. No route returns a value. */
export const secretRoutes = [
  defineRoute({
    path: '/secrets/set', tag: 'secrets',
    summary: "Create or replace one of the tenant's secrets (encrypted at rest; models name it as api_key_secret, MCP servers in headers_secret)",
    body: secretSetSchema, response: secretViewSchema.extend({ created: z.boolean() }), message: 'secret saved',
    async handle({ input, repos }) {
      const { secret, created } = await setSecret(repos, input.name, input.value);
      return { ...secretView(secret), created };
    },
  }),
  defineRoute({
    path: '/secrets/list', tag: 'secrets', summary: "The tenant's secrets: names and dates, never values (paginated)",
    body: secretListSchema, response: secretViewSchema, paginated: true,
    async handle({ input, repos }) {
      const slice = await listSecrets(repos, { page: input.page, size: input.size });
      return pageOf(slice.items.map(secretView), slice.total, input.page, input.size);
    },
  }),
  defineRoute({
    path: '/secrets/delete', tag: 'secrets', summary: 'Remove a secret (rows still naming it are refused when used, naming it)',
    body: secretDeleteSchema, response: z.object({ name: z.string() }), message: 'secret deleted',
    async handle({ input, repos }) {
      await deleteSecret(repos, input.name);
      return { name: input.name };
    },
  }),
];
