import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { routePath, type ApiRoute } from './api-route.ts';
import type { ProtocolMount } from './protocol-mount.ts';

const errorSchema = z
  .object({
    success: z.literal(false),
    error: z.string().meta({ description: 'What went wrong; names the offending field for bad input' }),
    code: z.number().meta({ description: 'The HTTP status' }),
    error_code: z.string().meta({ description: 'Stable machine-readable name, e.g. RUN_NOT_FOUND' }),
  })
  .meta({ id: 'Error' });

function successSchema(route: ApiRoute) {
  const data = route.response ?? z.unknown();
  if (route.unwrapped) return data;
  if (!route.paginated) return z.object({ success: z.literal(true), message: z.string(), data });
  return z.object({
    code: z.literal(0),
    success: z.literal(true),
    message: z.string(),
    data: z.object({
      content: z.array(data), page: z.number(), size: z.number(), totalElements: z.number(),
      totalPages: z.number(), first: z.boolean(), last: z.boolean(),
    }),
  });
}

/**
 * A request body's examples (its schema's `.meta({examples})`) as the media type's named
 * examples: the generator leaves them out of an input schema, and Swagger UI offers these in a list.
 */
function mediaExamples(schema: z.ZodType): { examples?: Record<string, { value: unknown }> } {
  const examples = (schema.meta() as { examples?: unknown } | undefined)?.examples;
  if (!Array.isArray(examples) || examples.length === 0) return {};
  return { examples: Object.fromEntries(examples.map((value, i) => [`example${i + 1}`, { value }])) };
}

const tenantHeader = z.string().optional().meta({ description: 'Tenant; else body field tenantId; else "default"' });

/** The OpenAPI 3.1 document, generated from the very zod schemas the routes validate with. */
export function buildOpenApiDocument(routes: ApiRoute[], version: string, protocols: readonly ProtocolMount[] = []) {
  const paths: Record<string, object> = {};
  for (const route of routes) {
    const errors = {
      '400': { description: 'Invalid input', content: { 'application/json': { schema: errorSchema } } },
      '404': { description: route.errors?.['404'] ?? 'Unknown id', content: { 'application/json': { schema: errorSchema } } },
      '409': { description: route.errors?.['409'] ?? 'Conflict', content: { 'application/json': { schema: errorSchema } } },
      ...(route.errors?.['503'] && { '503': { description: route.errors['503'], content: { 'application/json': { schema: errorSchema } } } }),
      ...(route.bounded && {
        '429': {
          description: 'A bound on runs is reached (RUN_QUEUE_FULL, TENANT_RUN_LIMIT): retry after Retry-After seconds',
          headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
          content: { 'application/json': { schema: errorSchema } },
        },
      }),
    };
    const operation = {
      summary: route.summary,
      tags: [route.tag],
      requestParams: { header: z.object({ 'x-tenant-id': tenantHeader }) },
      requestBody: { content: { 'application/json': { schema: route.body, ...mediaExamples(route.body) } } },
      responses: {
        [String(route.status ?? 200)]: {
          description: route.message ?? 'success',
          content: route.response === undefined && route.alsoGet
            ? { 'text/event-stream': { schema: z.string().meta({ description: 'SSE frames `id: <sequence>`, `event: <category>.<action>`, `data: <JSON>`: the data of each frame is a RunEvent (components.schemas)' }) } }
            : { 'application/json': { schema: successSchema(route) } },
        },
        ...errors,
      },
    };
    paths[routePath(route)] = {
      post: operation,
      // The GET form (EventSource) takes the same fields from the query string.
      ...(route.alsoGet && {
        get: {
          ...operation,
          requestBody: undefined,
          requestParams: { header: operation.requestParams.header, query: route.body },
        },
      }),
    };
  }
  for (const protocol of protocols) Object.assign(paths, protocol.openApiPaths?.() ?? {});
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Cadre executor API',
      version,
      description: 'Runs hierarchical teams of LLM agents and streams every run\'s events (SSE).',
    },
    paths: paths as never,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Cadre API key (cadre keys create), required when the server runs with API_KEYS=required; '
            + 'the key decides the tenant. GET requests (EventSource) may pass it as the query parameter access_token instead.',
        },
      },
    },
    // A key, or none when the server runs without API keys (the default).
    security: [{ apiKey: [] }, {}],
  });
}
