import { z } from 'zod';
import { errorSchema } from './openapi-answers.ts';

/** The OpenAPI path items of the operator's endpoints (served by system-routes.ts): health, metrics, this document. */

const component = z.object({ ok: z.boolean(), detail: z.string().optional() });

const healthSchema = z.object({
  success: z.boolean().meta({ description: 'false only when DOWN' }),
  message: z.enum(['healthy', 'degraded', 'unhealthy']),
  data: z.object({
    status: z.enum(['UP', 'DEGRADED', 'DOWN'])
      .meta({ description: 'UP: every component works; DEGRADED: still serving, a component is down (Redis while SQL serves events); DOWN: not serving (the database is unreachable, or the process is shutting down)' }),
    database: component,
    runtime: component.meta({ description: 'Whether this process takes runs, and how many it runs and queues' }),
    events: component.optional().meta({ description: 'With Redis (REDIS_URL): the event streams' }),
    placement: component.meta({ description: 'This process and how runs are placed (its lease held)' }),
  }),
}).meta({ id: 'Health' });

const healthUp = {
  success: true, message: 'healthy',
  data: {
    status: 'UP',
    database: { ok: true, detail: 'sqlite (libsql) ./data/cadre.sqlite' },
    runtime: { ok: true, detail: '1 running, 0 queued' },
    placement: { ok: true, detail: 'process 3f1e9c2a-5b7d-4e8f-a6c1-0d2b4f6e8a9c; runs placed by this process' },
  },
};

const healthDown = {
  success: false, message: 'unhealthy',
  data: { ...healthUp.data, status: 'DOWN', database: { ok: false, detail: healthUp.data.database.detail } },
};

const METRICS_SAMPLE = `# HELP cadre_runs_started_total Runs that began executing in this process
# TYPE cadre_runs_started_total counter
cadre_runs_started_total 12
# HELP cadre_runs_active Runs executing now in this process
# TYPE cadre_runs_active gauge
cadre_runs_active 1
`;

const noKey = [] as const;

export function systemPaths(): Record<string, object> {
  return {
    '/health': {
      get: {
        tags: ['system'], operationId: 'health', security: noKey,
        summary: 'Is this process serving? Its database, runtime, event streams and placement',
        description: 'For load balancers and orchestrators: 200 while the process serves (UP, or DEGRADED when a component is down but requests are served), '
          + '503 when it does not (DOWN: the database is unreachable, or the process is shutting down). No API key needed, no tenant.',
        responses: {
          '200': { description: 'UP or DEGRADED', content: { 'application/json': { schema: healthSchema, examples: { up: { summary: 'Every component works', value: healthUp } } } } },
          '503': { description: 'DOWN', content: { 'application/json': { schema: healthSchema, examples: { down: { summary: 'The database cannot be reached', value: healthDown } } } } },
        },
      },
    },
    '/metrics': {
      get: {
        tags: ['system'], operationId: 'metrics', security: [{ metricsToken: [] }, {}],
        summary: "Prometheus metrics of this process (the operator's view across tenants)",
        description: 'The Prometheus text exposition: runs, events, SSE streams, model and tool calls, errors by code — counts by closed labels only, never a tenant or a run id. '
          + 'Public while API keys are off; with API_KEYS=required it needs the operator token METRICS_TOKEN (Authorization: Bearer <token>), '
          + 'or METRICS_PUBLIC=true. A tenant\'s API key never opens it.',
        responses: {
          '200': { description: 'The metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' }, examples: { sample: { summary: 'A few of the series', value: METRICS_SAMPLE } } } } },
          '401': { description: 'UNAUTHORIZED: METRICS_TOKEN is set and the request does not carry it', content: { 'application/json': { schema: errorSchema } } },
          '403': { description: 'FORBIDDEN: API keys are required and neither METRICS_TOKEN nor METRICS_PUBLIC is set (closed)', content: { 'application/json': { schema: errorSchema } } },
        },
      },
    },
    '/v3/api-docs': {
      get: {
        tags: ['system'], operationId: 'openApiDocument', security: noKey,
        summary: 'This OpenAPI document', description: 'Generated from the zod schemas the routes validate with, so it cannot drift from what they accept. Swagger UI shows it at /swagger-ui.html.',
        responses: { '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  };
}
