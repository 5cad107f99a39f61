import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import { NotFoundError } from '../../errors/app-error.ts';
import { metricsGuard, type MetricsAccess } from '../metrics-access.ts';

export interface HealthReport {
  ok: boolean;
  components: Record<string, { ok: boolean; detail?: string }>;
}

const swaggerDir = dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')));
const swaggerAssets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const swaggerPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cadre API</title>
<link rel="stylesheet" href="/swagger-ui/swagger-ui.css"><link rel="icon" href="/swagger-ui/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/swagger-ui/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/v3/api-docs', dom_id: '#swagger-ui' });</script>
</body></html>`;

/** The Prometheus text exposition and its content type. */
export interface MetricsReport {
  contentType: string;
  body: string;
}

export function mountSystemRoutes(
  router: Router,
  deps: { health(): Promise<HealthReport>; openApi: () => object; metrics?: { render(): Promise<MetricsReport>; access: MetricsAccess } },
): void {
  const { metrics } = deps;
  // For the operator's scraper: counts by closed labels only, behind the operator's token when one is asked for.
  if (metrics) {
    router.get('/metrics', metricsGuard(metrics.access), async (ctx) => {
      const report = await metrics.render();
      ctx.type = report.contentType;
      ctx.body = report.body;
    });
  }
  router.get('/health', async (ctx) => {
    const report = await deps.health();
    ctx.status = report.ok ? 200 : 503;
    // DEGRADED: still serving (200), but a component is down (Redis while SQL serves events).
    const degraded = report.ok && Object.values(report.components).some((c) => !c.ok);
    ctx.body = {
      success: report.ok,
      message: report.ok ? (degraded ? 'degraded' : 'healthy') : 'unhealthy',
      data: { status: report.ok ? (degraded ? 'DEGRADED' : 'UP') : 'DOWN', ...report.components },
    };
  });
  let document: object | undefined;
  router.get('/v3/api-docs', (ctx) => {
    document ??= deps.openApi();
    ctx.body = document;
  });
  router.get('/swagger-ui.html', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = swaggerPage;
  });
  router.get('/swagger-ui/:file', async (ctx) => {
    const type = swaggerAssets[ctx.params.file!];
    if (!type) throw new NotFoundError('no such asset');
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = await readFile(join(swaggerDir, ctx.params.file!));
  });
}
