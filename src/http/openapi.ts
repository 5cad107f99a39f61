import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { routePath, type ApiRoute } from './api-route.ts';
import type { ProtocolMount } from './protocol-mount.ts';
import { answerOf, errorResponses, examplesOf, namedExamples, successSchema } from './openapi-answers.ts';
import { systemPaths } from './openapi-system.ts';
import { GATEWAY_FIELD_NAMES } from '../domain/common-schemas.ts';

const tenantHeader = z.string().optional().meta({
  description: 'The tenant to act as while API keys are off (1-64 letters, digits, _ . -); absent: "default". With an API key the key decides, and another tenant here is refused (403)',
});

const DESCRIPTION = `Runs hierarchical teams of LLM agents and streams every run's events (SSE).

**Start here** — "Try it out" in this order, each with its example: \`models/list\` (a fresh install has the model \`simulated\`: offline, deterministic),
\`hierarchies/create\` (its example runs on \`simulated\`), \`runs/start\` (its example names that hierarchy, \`research\`),
\`GET runs/stream?id=<the run's id>\` (the run's events, live), \`runs/get\` (its answer). The run viewer is at [/viewer/](/viewer/).

**Answers.** Success: \`{success: true, message, data}\`; lists add \`code: 0\` and page \`data\` \`{content, page, size, totalElements, totalPages, first, last}\`.
Errors: \`{success: false, error, code, error_code}\` with the HTTP status as \`code\`; \`error\` starts with the field at fault
(\`task: required (expected string)\`). Each operation lists the errors it can give; any may also answer 500 INTERNAL_ERROR, or 503 DATABASE_UNAVAILABLE (retry).

**Tenants.** Every call is scoped to one tenant and sees nothing of the others (another tenant's id answers 404). With API keys
(API_KEYS=required) the key decides; else the header X-Tenant-Id; else "default". The body fields \`tenantId\`, \`traceId\` and \`userId\`
are **gateway-only** (set by an API gateway in front of Cadre): leave them out of your requests.

**Events.** Each SSE frame of \`runs/stream\` is \`id: <sequence>\`, \`event: <category>.<action>\`, \`data: <a RunEvent as JSON>\`;
\`components.schemas\` holds one schema per event type (…Event), and the repository's \`docs/events.md\` is their catalog.`;

const TAGS = [
  { name: 'models', description: 'LLM providers and models the agents call (one named `simulated` comes with every tenant)' },
  { name: 'hierarchies', description: 'Teams of agents: a global supervisor, team supervisors, workers' },
  { name: 'runs', description: 'Runs of a hierarchy on a task: start, follow (SSE), inspect, control, answer' },
  { name: 'threads', description: 'Conversations of runs on one hierarchy, each run told the earlier ones' },
  { name: 'mcp-servers', description: 'MCP servers whose tools workers may call' },
  { name: 'secrets', description: "The tenant's secrets (API keys of models and MCP servers), never returned" },
  { name: 'execute', description: "The original's legacy synchronous endpoint" },
  { name: 'system', description: 'Health, metrics and this document (no API key)' },
];

/** `runs/agents/cancel` → `runsAgentsCancel`. */
function operationId(route: ApiRoute, method: 'post' | 'get'): string {
  const words = route.path.split(/[/_-]/).filter(Boolean);
  const id = words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return method === 'get' ? `${id}Get` : id;
}

/** The schema with its metadata and an example for its parameter (a registered `id` is not copied: it would be registered twice). */
function withParamExample(schema: z.ZodType, example: unknown): z.ZodType {
  const { id: _id, ...meta } = (schema.meta() ?? {}) as Record<string, unknown>;
  return schema.meta({ ...meta, param: { example } });
}

/** The GET form's query parameters: the body's fields (gateway fields left out), each with its example value. */
function queryOf(route: ApiRoute): z.ZodType {
  if (!(route.body instanceof z.ZodObject)) return route.body;
  const example = examplesOf(route)[0]?.request ?? {};
  const shape = Object.fromEntries(Object.entries(route.body.shape as Record<string, z.ZodType>)
    .filter(([name]) => !(GATEWAY_FIELD_NAMES as readonly string[]).includes(name))
    .map(([name, schema]) => [name, name in example ? withParamExample(schema, example[name]) : schema]));
  return z.object(shape);
}

function successResponse(route: ApiRoute) {
  const examples = examplesOf(route);
  if (route.sse) {
    return {
      description: route.sse.description,
      content: { 'text/event-stream': { schema: route.sse.data, examples: { frames: { summary: 'The first frames of a run', value: route.sse.example } } } },
    };
  }
  if (route.response === undefined && route.alsoGet) {
    return { description: route.message ?? 'success', content: { 'text/event-stream': { schema: z.string().meta({ description: 'SSE frames `id:`, `event:`, `data:`' }) } } };
  }
  const named = namedExamples(examples, (e) => (e.response === undefined ? undefined : answerOf(route, e.response)));
  return { description: route.message ?? 'success', content: { 'application/json': { schema: successSchema(route), ...(named && { examples: named }) } } };
}

function operationOf(route: ApiRoute, method: 'post' | 'get') {
  const header = z.object({ 'x-tenant-id': tenantHeader });
  const common = {
    summary: route.summary,
    ...(route.description && { description: method === 'get' ? `${route.description}\n\nGET form (for EventSource): the same fields as query parameters.` : route.description }),
    operationId: operationId(route, method),
    tags: [route.tag],
    responses: { [String(route.status ?? 200)]: successResponse(route), ...errorResponses(route, method) },
  };
  if (method === 'get') return { ...common, requestParams: { header, query: queryOf(route) } };
  const examples = namedExamples(examplesOf(route), (e) => e.request);
  return { ...common, requestParams: { header }, requestBody: { content: { 'application/json': { schema: route.body, ...(examples && { examples }) } } } };
}

/** The OpenAPI 3.1 document, generated from the very zod schemas the routes validate with. */
export function buildOpenApiDocument(routes: ApiRoute[], version: string, protocols: readonly ProtocolMount[] = []) {
  const paths: Record<string, object> = {};
  for (const route of routes) {
    paths[routePath(route)] = { post: operationOf(route, 'post'), ...(route.alsoGet && { get: operationOf(route, 'get') }) };
  }
  for (const protocol of protocols) Object.assign(paths, protocol.openApiPaths?.() ?? {});
  Object.assign(paths, systemPaths());
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Cadre executor API', version, description: DESCRIPTION },
    tags: TAGS,
    paths: paths as never,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Cadre API key (cadre keys create), required when the server runs with API_KEYS=required; '
            + 'the key decides the tenant. GET requests (EventSource) may pass it as the query parameter access_token instead.',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: "The operator's METRICS_TOKEN, for /metrics only" },
      },
    },
    // A key, or none when the server runs without API keys (the default).
    security: [{ apiKey: [] }, {}],
  });
}
