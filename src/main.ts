import { createServer } from 'node:http';
import { loadConfig } from './config.ts';
import { createLogger } from './logging/logger.ts';
import { initORM } from './store/init-orm.ts';
import { Store } from './store/store.ts';
import { describeDatabase } from './store/database-config.ts';
import { composeService } from './compose.ts';
import { DEFAULT_TENANT } from './http/tenant.ts';
import { startTracing } from './telemetry/tracing.ts';
import { metricsAccessOf } from './http/metrics-access.ts';
import { resolveSecretsKey } from './store/secrets-key.ts';
import { onSignal } from './signal-repeat.ts';
import { VIEWER_PATH } from './http/viewer/viewer-routes.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);

// Off (null) unless the OTEL_* settings ask for traces.
const tracing = startTracing(config.tracing, process.env.npm_package_version);

const orm = await initORM({
  database: config.database,
  onMigrated: (applied) => { if (applied.length > 0) logger.info('schema migrations applied', { migrations: applied }); },
});
const secretsKey = await resolveSecretsKey(config.database, config.secretsKey);
const store = new Store(orm, { secretsKey: secretsKey.key });
// Stored secrets without their key (or with another) would fail every run using them: refuse to start.
await store.checkSecretsKey();
logger.info(`tenant secrets: ${secretsKey.key ? `key from ${secretsKey.source} (id ${store.secretsKeyFingerprint})` : 'off, SECRETS_KEY is not set (secrets/set answers 503)'}`);
await store.seedDefaults(DEFAULT_TENANT);

const service = composeService(store, {
  database: config.database,
  logger,
  runTimeoutMs: config.runTimeoutMs,
  maxConcurrentRuns: config.maxConcurrentRuns,
  maxQueuedRuns: config.maxQueuedRuns,
  tenantMaxActiveRuns: config.tenantMaxActiveRuns,
  toolSettings: config.toolSettings,
  outbound: config.outbound,
  workerMaxToolSteps: config.workerMaxToolSteps,
  budgetDefaultOutputTokens: config.budgetDefaultOutputTokens,
  threadContext: config.threadContext,
  maxThreadsPerTenant: config.maxThreadsPerTenant,
  ...(config.publicUrl && { publicUrl: config.publicUrl }),
  modelCalls: config.modelCalls,
  tenantEnvAllowed: config.tenantEnvAllowed,
  modelCheckTimeoutMs: config.modelCheckTimeoutMs,
  sseHeartbeatMs: config.sseHeartbeatMs,
  sseMaxBufferedFrames: config.sseMaxBufferedFrames,
  sseMaxBufferedBytes: config.sseMaxBufferedBytes,
  sseMaxConnections: config.sseMaxConnections,
  sseStallTimeoutMs: config.sseStallTimeoutMs,
  bodyLimitBytes: config.bodyLimitBytes,
  bodyTimeoutMs: config.bodyTimeoutMs,
  corsOrigins: config.corsOrigins,
  apiKeys: config.apiKeys,
  metricsAccess: config.metricsAccess,
  lease: config.lease,
  checkpointIntervalMs: config.checkpointIntervalMs,
  humanInputTimeoutMs: config.humanInputTimeoutMs,
  retention: config.retention,
  version: process.env.npm_package_version,
  tracer: tracing?.tracer ?? null,
  ...(config.traceUrlTemplate && { traceUrlTemplate: config.traceUrlTemplate }),
  redis: config.redis,
});

const recovered = await service.recover();
if (recovered.interrupted + recovered.recorded + recovered.ownerLost > 0) {
  logger.warn('ended runs left unfinished by stopped processes', {
    failed_interrupted: recovered.interrupted, end_recorded: recovered.recorded, failed_owner_lost: recovered.ownerLost,
  });
}
logger.info('process registered', { process_id: service.host.processId, placement: config.redis ? 'redis queue' : 'local' });

const server = createServer(service.app.callback());
// Backstop for requests whose body no route reads (the API routes answer 408 themselves after
// BODY_TIMEOUT_MS): Node cuts off any request not received within headers + body time.
server.requestTimeout = server.headersTimeout + config.bodyTimeoutMs;
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info(`Cadre listening on ${url} (database: ${describeDatabase(config.database)}; events: ${config.redis ? 'redis streams + SQL archive' : 'SQL'}); `
    + `run viewer at ${url}${VIEWER_PATH}, API docs at ${url}/swagger-ui.html`);
  if (config.apiKeys === 'required') logger.info('API keys required (API_KEYS=required): create one with `npx cadre keys create --tenant <tenant>`');
  if (config.loopbackByDefault) logger.info('listening on loopback only (API keys off); to expose it, set HOST=0.0.0.0 together with API_KEYS=required');
  if (metricsAccessOf(config.metricsAccess, config.apiKeys).kind === 'closed') {
    logger.warn('/metrics answers 403 while API keys are required: set METRICS_TOKEN (scrape with Authorization: Bearer <token>) or METRICS_PUBLIC=true');
  }
});

let stopping = false;
/** Past the grace, this long more for the rest of a shutdown: then the process exits, saying which step hung. */
const SHUTDOWN_STEPS_MS = 15_000;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  let step = 'stopping the service';
  // A stuck step (a connection that never answers) must not keep a process alive past its deploy.
  const watchdog = setTimeout(() => {
    logger.error('shutdown did not finish; exiting', { step, after_ms: config.shutdownGraceMs + SHUTDOWN_STEPS_MS });
    process.exit(1);
  }, config.shutdownGraceMs + SHUTDOWN_STEPS_MS);
  watchdog.unref();
  // Stop accepting; live runs are cancelled and record their end; SSE streams then close.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await service.stop(config.shutdownGraceMs, (now) => { step = now; });
  server.closeIdleConnections();
  const forced = setTimeout(() => server.closeAllConnections(), 1000);
  forced.unref();
  step = 'closing the HTTP connections';
  await closed;
  step = 'closing the database';
  await store.close();
  // Spans still buffered are exported before the process exits.
  step = 'exporting the last spans';
  await tracing?.shutdown();
  clearTimeout(watchdog);
  logger.info('stopped');
}
// A second signal (not npm's echo of the first) stops at once, without the grace.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  onSignal(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  });
}
