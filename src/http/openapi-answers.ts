import { z } from 'zod';
import type { ApiRoute, RouteExample } from './api-route.ts';
import { parseInput } from './validate.ts';
import { errorBody } from './envelope.ts';
import { AppError } from '../errors/app-error.ts';
import { pageOf } from '../domain/common-schemas.ts';

/** The OpenAPI description of one route's answers: its success (with examples) and exactly the errors it can give. */

export const errorSchema = z
  .object({
    success: z.literal(false),
    error: z.string().meta({ description: 'What went wrong; starts with the offending field for bad input (`task: required (expected string)`)' }),
    code: z.number().meta({ description: 'The HTTP status' }),
    error_code: z.string().meta({ description: 'Stable machine-readable name, e.g. RUN_NOT_FOUND' }),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional()
      .meta({ description: 'Bad input (400 VALIDATION_ERROR): every offending field, in order' }),
  })
  .meta({ id: 'Error' });

/** The envelope of a successful answer around the route's `data` schema. */
export function successSchema(route: ApiRoute) {
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

/** The whole answer an example's `response` stands for, exactly as the route sends it. */
export function answerOf(route: ApiRoute, response: unknown): unknown {
  if (route.unwrapped) return response;
  if (route.paginated) {
    const items = response as unknown[];
    return { code: 0, message: 'success', success: true, data: pageOf(items, items.length, 1, 20) };
  }
  return { success: true, message: route.message ?? 'success', data: response };
}

/** A route's examples: its own, else those its body schema carries (`.meta({examples})`). */
export function examplesOf(route: ApiRoute): RouteExample[] {
  if (route.examples?.length) return route.examples;
  const own = (route.body.meta() as { examples?: unknown } | undefined)?.examples;
  return Array.isArray(own) ? own.map((request, i) => ({ summary: `Example ${i + 1}`, request: request as Record<string, unknown> })) : [];
}

/** Named examples for a media type (Swagger UI lists them; the first fills "Try it out"). */
export function namedExamples<T>(examples: RouteExample[], value: (e: RouteExample) => T | undefined): Record<string, { summary: string; value: T }> | undefined {
  const named: Record<string, { summary: string; value: T }> = {};
  for (const example of examples) {
    const v = value(example);
    if (v === undefined) continue;
    let key = example.summary.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'example';
    while (key in named) key += '_';
    named[key] = { summary: example.summary, value: v };
  }
  return Object.keys(named).length > 0 ? named : undefined;
}

/**
 * A real 400 of the route, made by its own validator: the body `{}`, else its first example
 * with one field of the wrong type. Undefined when every attempt is valid input.
 */
function badInputExample(route: ApiRoute): unknown {
  const first = examplesOf(route)[0]?.request ?? {};
  const attempts = [{}, ...Object.keys(first).map((key) => ({ ...first, [key]: typeof first[key] === 'number' ? 'text' : 42 }))];
  for (const body of attempts) {
    try {
      parseInput(route.body, body);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return { ...errorBody(err.status, err.message, err.errorCode), details: err.details };
    }
  }
  return undefined;
}

function errorAnswer(description: string, example?: unknown, headers?: Record<string, object>) {
  return {
    description,
    ...(headers && { headers }),
    content: { 'application/json': { schema: errorSchema, ...(example !== undefined && { examples: { example: { value: example } } }) } },
  };
}

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

/**
 * The errors one operation can answer: those of every operation (400; 401 and 403 with API
 * keys), those of a request body (408, 413: POST only) and those the route declares (404, 409,
 * 429, 503) — a status the route does not declare is not listed.
 */
export function errorResponses(route: ApiRoute, method: 'post' | 'get'): Record<string, object> {
  const noted = route.errors ?? {};
  const withBody = method === 'post';
  const invalid = [
    'VALIDATION_ERROR: the input does not match the schema; `error` names the first offending field and what it expected, `details` lists them all',
    ...(withBody ? ['MALFORMED_JSON: the body is not JSON'] : []),
    ...(noted['400'] ? [noted['400']] : []),
  ];
  return {
    '400': errorAnswer(invalid.join('. '), badInputExample(route)),
    '401': errorAnswer(
      'UNAUTHORIZED, only when the server requires API keys (API_KEYS=required): no key, or a malformed, unknown or revoked one. '
        + `Send Authorization: Bearer <key>${withBody ? '' : ', or the query parameter access_token=<key> (EventSource cannot set headers)'}`,
      undefined, { 'WWW-Authenticate': { description: 'Bearer realm="cadre"', schema: { type: 'string' } } },
    ),
    '403': errorAnswer('TENANT_MISMATCH, only with an API key: X-Tenant-Id or tenantId names another tenant than the key is bound to (the key decides the tenant: leave both out)'),
    ...(noted['404'] && { '404': errorAnswer(noted['404']) }),
    ...(withBody && { '408': errorAnswer('REQUEST_TIMEOUT: the body did not arrive within BODY_TIMEOUT_MS (default 30 s); the connection is closed') }),
    ...(noted['409'] && { '409': errorAnswer(noted['409']) }),
    ...(withBody && { '413': errorAnswer('PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT_BYTES (default 1 MiB)') }),
    ...(route.bounded && {
      '429': errorAnswer('A bound on runs is reached (RUN_QUEUE_FULL: MAX_QUEUED_RUNS; TENANT_RUN_LIMIT: TENANT_MAX_ACTIVE_RUNS): retry after Retry-After seconds', undefined, retryAfter),
    }),
    ...(noted['503'] && { '503': errorAnswer(noted['503'], undefined, retryAfter) }),
  };
}
