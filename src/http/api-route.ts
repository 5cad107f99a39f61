import type { Context } from 'koa';
import type Router from '@koa/router';
import type { z } from 'zod';
import { assertStorable, readJsonBody, type BodyLimits } from './json-body.ts';
import { parseInput } from './validate.ts';
import { sendOk, sendPage } from './envelope.ts';
import { resolveTenant } from './tenant.ts';
import type { Page } from '../domain/common-schemas.ts';
import type { TenantRepositories } from '../domain/repositories.ts';

export const API_PREFIX = '/api/executor/v1';

/** One example of a route for the OpenAPI document (test/openapi-manual.test.ts parses each with the route's own schemas). */
export interface RouteExample {
  /** Shown in Swagger UI's list of examples. */
  summary: string;
  /** The request body as a client sends it: never the gateway-injected fields (tenantId, traceId, userId). */
  request: Record<string, unknown>;
  /** The answer's `data` (for a paginated route: the items of the page; `unwrapped`: the whole answer). */
  response?: unknown;
}

/** An SSE answer (text/event-stream) instead of JSON: what each frame's `data` is. */
export interface SseAnswer {
  /** The schema of each frame's `data` (a union: one member per event type). */
  data: z.ZodType;
  description: string;
  /** A few frames exactly as they go over the wire. */
  example: string;
}

export interface RouteContext<I> {
  ctx: Context;
  input: I;
  tenantId: string;
  /** Repositories bound to the caller's tenant (one forked unit of work per request). */
  repos: TenantRepositories;
}

/**
 * One business endpoint: its schemas drive both validation and the OpenAPI document, so the
 * two cannot drift. `handle` returns the `data` of the envelope (or a page), or undefined when
 * it wrote the response itself (SSE).
 */
export interface ApiRoute<S extends z.ZodType = z.ZodType> {
  path: string;
  summary: string;
  tag: string;
  /** What a newcomer needs beyond the summary: what it does, when to call it, what comes next (the OpenAPI description). */
  description?: string;
  /** The first is Swagger UI's "Try it out" body; every route has at least one (test/openapi-manual.test.ts). */
  examples?: RouteExample[];
  body: S;
  response?: z.ZodType;
  paginated?: boolean;
  message?: string;
  status?: number;
  /** Extra methods besides POST (GET reads the query string into the body schema). */
  alsoGet?: boolean;
  /** Served at `path` itself, not under API_PREFIX (the original's legacy `POST /execute`). */
  root?: boolean;
  /** `response` is the whole answer, not the `data` of an envelope (the handler writes it). */
  unwrapped?: boolean;
  /**
   * The error answers this route can give beyond those of every route (400 bad input, 401/403
   * with API keys, 408/413 for a body): status → what they mean, by error_code. A status not
   * listed is not documented for the route (no 404 on a create).
   */
  errors?: Partial<Record<'400' | '404' | '409' | '503', string>>;
  /** May answer 429 with Retry-After (a bound on runs: MAX_QUEUED_RUNS, TENANT_MAX_ACTIVE_RUNS). */
  bounded?: boolean;
  /** The answer is an event stream (SSE); `response` is then absent. */
  sse?: SseAnswer;
  handle(rc: RouteContext<z.output<S>>): Promise<unknown>;
}

export function defineRoute<S extends z.ZodType>(route: ApiRoute<S>): ApiRoute {
  return route as unknown as ApiRoute;
}

export interface MountDeps {
  repositories(tenantId: string): TenantRepositories;
  bodyLimits: BodyLimits;
}

/** Query strings are text; the body schemas expect JSON types, so convert the obvious ones. */
function queryToBody(query: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    // The API key of an EventSource request (see api-key-auth.ts): a credential, never a field.
    if (value === undefined || key === 'access_token') continue;
    body[key] = /^-?\d+$/.test(value) && (key === 'page' || key === 'size' || key === 'limit') ? Number(value)
      : value === 'true' ? true : value === 'false' ? false : value;
  }
  return body;
}

/** Where a route is served. */
export function routePath(route: ApiRoute): string {
  return route.root ? route.path : API_PREFIX + route.path;
}

export function mountRoutes(router: Router, routes: ApiRoute[], deps: MountDeps): void {
  for (const route of routes) {
    const handler = async (ctx: Context) => {
      const raw = ctx.method === 'GET' ? assertStorable(queryToBody(ctx.query)) : await readJsonBody(ctx, deps.bodyLimits);
      const tenantId = resolveTenant(ctx, raw);
      ctx.state.tenantId = tenantId; // for the request's log line
      const input = parseInput(route.body, raw);
      const data = await route.handle({ ctx, input, tenantId, repos: deps.repositories(tenantId) });
      if (data === undefined) return;
      if (route.paginated) sendPage(ctx, data as Page<unknown>);
      else sendOk(ctx, data, route.message, route.status);
    };
    router.post(routePath(route), handler);
    if (route.alsoGet) router.get(routePath(route), handler);
  }
}
