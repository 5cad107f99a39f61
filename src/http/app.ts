import Koa from 'koa';
import Router from '@koa/router';
import { errorMiddleware, type ErrorTranslator } from './error-middleware.ts';
import { requestLog } from './request-log.ts';
import { mountRoutes, type ApiRoute } from './api-route.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { mountSystemRoutes, type HealthReport, type MetricsReport } from './routes/system-routes.ts';
import { modelRoutes } from './routes/model-routes.ts';
import { hierarchyRoutes } from './routes/hierarchy-routes.ts';
import { mcpServerRoutes } from './routes/mcp-server-routes.ts';
import { secretRoutes } from './routes/secret-routes.ts';
import { mountViewerRoutes } from './viewer/viewer-routes.ts';
import { errorBody } from './envelope.ts';
import { corsMiddleware } from './cors.ts';
import { apiKeyAuth, type KeyAuthenticator } from './api-key-auth.ts';
import { metricsAccessOf, type MetricsAccessSettings } from './metrics-access.ts';
import { silentLogger, type Logger } from '../logging/logger.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { STRICT_OUTBOUND, type OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { ProtocolMount } from './protocol-mount.ts';

export interface AppDeps {
  repositories(tenantId: string): TenantRepositories;
  health(): Promise<HealthReport>;
  /** The outbound address policy registered URLs (model base_url, MCP server url) are judged by; STRICT_OUTBOUND when absent. */
  outbound?: OutboundPolicy;
  /** Routes of further resources (runs), mounted beside models and hierarchies. */
  extraRoutes?: ApiRoute[];
  /** Protocol adapters (A2A, LangGraph SDK API) with their own wire formats, mounted on the same router. */
  protocols?: ProtocolMount[];
  logger?: Logger;
  /** Prometheus metrics: served at GET /metrics, and told of every error answered (by error code). */
  metrics?: { render(): Promise<MetricsReport>; countError(errorCode: string): void };
  /** METRICS_TOKEN / METRICS_PUBLIC; absent: public with API keys off, closed with them required. */
  metricsAccess?: MetricsAccessSettings;
  /** Maps errors of lower layers (database) to AppErrors for the envelope. */
  translateError?: ErrorTranslator;
  bodyLimitBytes?: number;
  /** Origins allowed to call from a browser (CORS); ['*'] (the default) allows any. */
  corsOrigins?: readonly string[];
  /** A request body must arrive within this long (408 otherwise). */
  bodyTimeoutMs?: number;
  version?: string;
  /** TENANT_ENV_ALLOWED: the operator variables tenants' rows may name (default none). */
  tenantEnvAllowed?: readonly string[];
  /** When set, API keys are required: every non-public request needs a key this resolves to a tenant. */
  authenticate?: KeyAuthenticator;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/** The Koa application, apart from the process entry so tests run it on an ephemeral port. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const logger = deps.logger ?? silentLogger;
  const policy = { envAllowed: deps.tenantEnvAllowed ?? [], outbound: deps.outbound ?? STRICT_OUTBOUND };
  const routes = [...modelRoutes(policy), ...hierarchyRoutes, ...mcpServerRoutes(policy), ...secretRoutes, ...(deps.extraRoutes ?? [])];
  const router = new Router();
  const metricsAccess = metricsAccessOf(deps.metricsAccess ?? {}, deps.authenticate ? 'required' : 'off');
  mountSystemRoutes(router, { health: deps.health, ...(deps.metrics && { metrics: { render: deps.metrics.render, access: metricsAccess } }), openApi: () => buildOpenApiDocument(routes, deps.version ?? '0.0.0', deps.protocols ?? []) });
  mountViewerRoutes(router);
  const bodyLimits = { maxBytes: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT, timeoutMs: deps.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS };
  mountRoutes(router, routes, { repositories: deps.repositories, bodyLimits });
  for (const protocol of deps.protocols ?? []) protocol.mount(router, { repositories: deps.repositories, bodyLimits });

  app.silent = true; // errors are logged by the error middleware, not printed twice by koa
  app.use(corsMiddleware(deps.corsOrigins ?? ['*']));
  app.use(requestLog(logger));
  app.use(errorMiddleware(logger, deps.translateError, deps.metrics?.countError));
  if (deps.authenticate) app.use(apiKeyAuth(deps.authenticate));
  // Envelopes for requests no route answered. This must run *after* allowedMethods has set
  // 405/501 (it does so once the rest of the chain returned), so it wraps the router.
  app.use(async (ctx, next) => {
    await next();
    if (ctx.body != null || ctx.respond === false) return;
    if (ctx.status === 405) {
      ctx.body = errorBody(405, `method ${ctx.method} not allowed on ${ctx.path}`, 'METHOD_NOT_ALLOWED');
    } else if (ctx.status === 501) {
      ctx.body = errorBody(501, `method ${ctx.method} is not supported by this server`, 'NOT_IMPLEMENTED');
    } else if (ctx.status === 404) {
      ctx.status = 404; // explicit, or setting the body would turn koa's default 404 into 200
      ctx.body = errorBody(404, `no route ${ctx.method} ${ctx.path}`, 'ROUTE_NOT_FOUND');
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}
