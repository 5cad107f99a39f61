import type Koa from 'koa';
import { createApp } from './http/app.ts';
import type { MetricsAccessSettings } from './http/metrics-access.ts';
import { runRoutes } from './http/routes/run-routes.ts';
import { executeRoutes } from './http/routes/execute-route.ts';
import { modelCheckRoutes } from './http/routes/model-check-route.ts';
import { RunRuntime } from './host/run-runtime.ts';
import { RunService } from './services/run-service.ts';
import { ProcessHost, type LeaseTimings } from './host/process-host.ts';
import { RetentionSweep, type RetentionSettings } from './host/retention-sweep.ts';
import { RunQueue } from './host/run-queue.ts';
import { ControlChannel } from './host/control-channel.ts';
import { SqlRunOwnership } from './store/run-ownership-store.ts';
import { SqlEventLog } from './store/sql-event-log.ts';
import { RedisEventLog } from './store/redis/redis-event-log.ts';
import type { RedisSettings } from './config.ts';
import { SseConnectionSlots } from './http/sse-connections.ts';
import { PolledRunFeeds } from './events/polled-run-feeds.ts';
import { storeErrorToAppError } from './store/store-errors.ts';
import type { Store } from './store/store.ts';
import type { EventLog } from './events/event-log.ts';
import { describeDatabase, type DatabaseConfig } from './store/database-config.ts';
import { silentLogger, type Logger } from './logging/logger.ts';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_SETTINGS, type ToolSettings } from './tools/tool-settings.ts';
import type { ModelCallSettings } from './models/model-factory.ts';
import { STRICT_OUTBOUND, type OutboundPolicy } from './outbound/outbound-policy.ts';
import { ApiKeyService } from './services/api-key-service.ts';
import type { Tracer } from '@opentelemetry/api';
import { CadreMetrics } from './telemetry/metrics.ts';
import { MeasuredEventLog } from './telemetry/measured-event-log.ts';
import { ProcessTelemetry } from './telemetry/process-telemetry.ts';

export interface ComposeOptions {
  database?: DatabaseConfig;
  logger?: Logger;
  runTimeoutMs?: number;
  maxConcurrentRuns?: number;
  /** Runs waiting for a slot (MAX_QUEUED_RUNS, default 1000): per process, or in the Redis queue; more are refused with 429. */
  maxQueuedRuns?: number;
  /** Runs one tenant may have running or waiting (TENANT_MAX_ACTIVE_RUNS, default 200); more are refused with 429. */
  tenantMaxActiveRuns?: number;
  maxSupervisorTurns?: number;
  /** Worker tools' settings (http_request and MCP limits); defaults when absent. */
  toolSettings?: ToolSettings;
  /**
   * The outbound address policy (OUTBOUND_ALLOWED_HOSTS) of every connection a tenant steers:
   * model base_url, MCP servers, http_request. Absent: public addresses only.
   */
  outbound?: OutboundPolicy;
  /** Rounds of tool calls a worker may make per task (WORKER_MAX_TOOL_STEPS). */
  workerMaxToolSteps?: number;
  /** Model calls: retries (MODEL_MAX_RETRIES), stream idle timeout, where API keys are read from. */
  modelCalls?: ModelCallSettings;
  /**
   * TENANT_ENV_ALLOWED: the operator variables tenants' api_key_env / headers_env may name, and
   * the conventional provider variables usable towards a tenant's base_url. Default none.
   */
  tenantEnvAllowed?: readonly string[];
  /** Time budget of one `models/check` call (MODEL_CHECK_TIMEOUT_MS). */
  modelCheckTimeoutMs?: number;
  sseHeartbeatMs?: number;
  sseMaxBufferedFrames?: number;
  sseMaxBufferedBytes?: number;
  /** SSE streams open at once in this process (default 20,000); more are refused with 503. */
  sseMaxConnections?: number;
  sseStallTimeoutMs?: number;
  bodyLimitBytes?: number;
  bodyTimeoutMs?: number;
  corsOrigins?: readonly string[];
  /** `required`: every request but the public paths needs an API key, whose tenant it acts for. Default off. */
  apiKeys?: 'off' | 'required';
  version?: string;
  /** Defaults to the Redis event log when `redis` is set, else the SQL event log on the same store. */
  eventLog?: EventLog;
  /** Who may read /metrics (METRICS_TOKEN, METRICS_PUBLIC); default public, closed with API keys required. */
  metricsAccess?: MetricsAccessSettings;
  /** This process's Prometheus metrics (served at /metrics); a fresh registry when absent. */
  metrics?: CadreMetrics;
  /** OpenTelemetry tracer for run traces (see src/telemetry/tracing.ts); no spans when absent. */
  tracer?: Tracer | null;
  /** REDIS_URL and its settings: events go to Redis Streams, archived in SQL. */
  redis?: RedisSettings;
  /** Process lease timings (LEASE_*); defaults 2 s heartbeat, 6 s lease, 2 s sweep. */
  lease?: LeaseTimings;
  /** Deleting ended runs past their retention (RUN_RETENTION_SECONDS…); default 30 days, swept every 60 s. */
  retention?: RetentionSettings;
}

export interface Service {
  app: Koa;
  runtime: RunRuntime;
  runs: RunService;
  eventLog: EventLog;
  metrics: CadreMetrics;
  /** The SSE streams open now, against SSE_MAX_CONNECTIONS. */
  sseConnections: SseConnectionSlots;
  host: ProcessHost;
  /** Deletes ended runs past their retention; started by recover, stopped by stop. */
  retention: RetentionSweep;
  /**
   * Registers this process (its lease), ends the runs of lapsed processes and those left by a
   * version without leases — never a run a live process owns — then starts the heartbeat, the
   * lease sweep and (with Redis) taking runs from the queue. Call once at start-up.
   */
  recover(): Promise<{ interrupted: number; recorded: number; ownerLost: number }>;
  /** Cancels live runs (waiting up to graceMs for them to record their end), then closes the log. */
  stop(graceMs: number): Promise<void>;
}

const DEFAULT_MODEL_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_QUEUED_RUNS = 1000;
const DEFAULT_TENANT_MAX_ACTIVE_RUNS = 200;

/** Wires store → event log → runtime → services → HTTP: the one place the layers meet. */
export function composeService(store: Store, options: ComposeOptions = {}): Service {
  const logger = options.logger ?? silentLogger;
  const outbound = options.outbound ?? STRICT_OUTBOUND;
  const toolSettings = { ...(options.toolSettings ?? DEFAULT_TOOL_SETTINGS), outbound };
  // No model call may hang: the idle timeout applies even when the caller sets none.
  const modelCalls: ModelCallSettings = {
    idleTimeoutMs: DEFAULT_MODEL_IDLE_TIMEOUT_MS, ...options.modelCalls, envAllowed: options.tenantEnvAllowed ?? [], outbound,
  };
  const metrics = options.metrics ?? new CadreMetrics();
  const { eventLog: backing, closeEventLog } = options.eventLog
    ? { eventLog: options.eventLog, closeEventLog: () => options.eventLog!.close() }
    : makeEventLog(store, options.redis, logger);
  // Appends are counted and timed around whichever log backs the service.
  const eventLog = new MeasuredEventLog(backing, metrics);
  const ownership = new SqlRunOwnership(store.orm);
  let host: ProcessHost | undefined;
  const processId = () => host!.processId;
  const runtime = new RunRuntime({
    eventLog,
    logger,
    maxConcurrentRuns: options.maxConcurrentRuns,
    maxQueuedRuns: options.maxQueuedRuns ?? DEFAULT_MAX_QUEUED_RUNS,
    telemetry: new ProcessTelemetry(metrics, options.tracer ?? null),
    // Every write of a run's end is conditional on this process still owning it (fencing).
    persistenceFor: () => ({
      markRunning: async (id, at, traceId) => { await ownership.markRunning(id, processId(), at, traceId); },
      finish: (id, outcome, at) => ownership.finishOwned(id, processId(), outcome, at),
      markEnded: (id) => eventLog.markEnded(id),
    }),
    stillOwned: (id) => ownership.owns(id, processId()),
  });
  let runs: RunService | undefined;
  const queue = options.redis ? new RunQueue({
    redisUrl: options.redis.url,
    prefix: `${options.redis.keyPrefix}cadre`,
    concurrency: Math.max(1, options.maxConcurrentRuns ?? 100),
    lockMs: options.lease?.leaseMs ?? 6000,
    stalledCheckMs: options.lease?.sweepMs ?? 2000,
    execute: (job) => runs!.executeQueued(job),
    onLockLost: (runId) => {
      host!.endLockLost(runId).catch((err: unknown) => logger.error('could not end a run whose job lock lapsed', { run_id: runId, error: String(err) }));
    },
    logger,
  }) : null;
  host = new ProcessHost({
    runtime, ownership, eventLog, logger,
    timings: options.lease ?? { heartbeatMs: 2000, leaseMs: 6000, sweepMs: 2000 },
    queueing: queue !== null,
    isQueued: (id) => queue ? queue.isQueued(id) : Promise.resolve(false),
  });
  const control = options.redis ? new ControlChannel({
    redisUrl: options.redis.url,
    prefix: `${options.redis.keyPrefix}cadre`,
    processId,
    handle: (request) => runs!.answerControl(request),
    logger,
  }) : null;
  if (control) host.onNewIdentity(() => control.listenAsCurrentProcess());
  runs = new RunService({
    runtime,
    host,
    ownership,
    queue,
    control,
    repositories: (tenantId) => store.forTenant(tenantId),
    eventLog,
    admission: {
      maxQueuedRuns: options.maxQueuedRuns ?? DEFAULT_MAX_QUEUED_RUNS,
      tenantMaxActiveRuns: options.tenantMaxActiveRuns ?? DEFAULT_TENANT_MAX_ACTIVE_RUNS,
    },
    limits: {
      timeoutMs: options.runTimeoutMs ?? 30 * 60 * 1000,
      maxSupervisorTurns: options.maxSupervisorTurns ?? 25,
      workerTools: { settings: toolSettings, maxSteps: options.workerMaxToolSteps ?? DEFAULT_MAX_TOOL_STEPS },
      modelCalls,
    },
  });
  const retention = new RetentionSweep({
    runs: store, eventLog, logger,
    settings: options.retention ?? { retentionMs: 30 * 24 * 3600 * 1000, sweepMs: 60_000 },
  });
  const sseConnections = new SseConnectionSlots(options.sseMaxConnections ?? 20_000);
  const apiKeys = new ApiKeyService(store.apiKeys);
  metrics.bindSources({
    runningRuns: () => runtime.activeCount - runtime.queuedCount,
    queuedRuns: () => runtime.queuedCount,
    sseStreams: () => sseConnections.active,
  });
  const app = createApp({
    repositories: (tenantId) => store.forTenant(tenantId),
    outbound,
    health: async () => {
      const db = await store.ping().catch(() => false);
      const events = await backing.health?.();
      return {
        ok: db && runtime.accepting && (events?.serving ?? true),
        components: {
          database: { ok: db, ...(options.database && { detail: describeDatabase(options.database) }) },
          runtime: { ok: runtime.accepting, detail: `${runtime.activeCount - runtime.queuedCount} running, ${runtime.queuedCount} queued` },
          // Redis down is degraded, not down: SQL keeps serving events.
          ...(events && { events: { ok: events.ok, detail: events.detail } }),
          placement: { ok: host!.leaseHeld, detail: `process ${host!.processId}; runs placed by ${queue ? 'the Redis run queue' : 'this process'}` },
        },
      };
    },
    extraRoutes: [
      ...runRoutes(runs, {
        heartbeatMs: options.sseHeartbeatMs ?? 15_000,
        maxBufferedFrames: options.sseMaxBufferedFrames ?? 10_000,
        maxBufferedBytes: options.sseMaxBufferedBytes ?? 8 * 1024 * 1024,
        connections: sseConnections,
        polledFeeds: new PolledRunFeeds(eventLog),
        stallTimeoutMs: options.sseStallTimeoutMs ?? 60_000,
        delivered: metrics.events,
      }),
      ...executeRoutes(runs),
      ...modelCheckRoutes({ ...modelCalls, timeoutMs: options.modelCheckTimeoutMs ?? 15_000 }),
    ],
    logger,
    metrics: { render: () => metrics.render(), countError: (errorCode) => metrics.countError(errorCode) },
    metricsAccess: options.metricsAccess,
    translateError: storeErrorToAppError,
    bodyLimitBytes: options.bodyLimitBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    corsOrigins: options.corsOrigins,
    version: options.version,
    tenantEnvAllowed: modelCalls.envAllowed,
    ...(options.apiKeys === 'required' && { authenticate: (key: string) => apiKeys.authenticate(key) }),
  });
  return {
    app,
    runtime,
    runs: runs!,
    eventLog,
    metrics,
    sseConnections,
    host,
    retention,
    async recover() {
      await host.start();
      retention.start();
      await control?.start();
      const recovered = await host.recover();
      queue?.start();
      return recovered;
    },
    async stop(graceMs) {
      // The worker stops taking jobs at once; it closes once the runs it holds (cancelled now) end.
      const queueClosed = queue?.close();
      await runtime.shutdown(graceMs);
      await queueClosed;
      await retention.stop();
      await host.stop();
      await control?.close();
      await closeEventLog();
    },
  };
}

/** The Redis event log over a SQL archive when Redis is configured, else the embedded SQL log. */
function makeEventLog(store: Store, redis: RedisSettings | undefined, logger: Logger): { eventLog: EventLog; closeEventLog(): Promise<void> } {
  const sql = new SqlEventLog(store.orm);
  if (!redis) return { eventLog: sql, closeEventLog: () => sql.close() };
  const eventLog = new RedisEventLog({ ...redis, archive: sql, logger });
  return {
    eventLog,
    async closeEventLog() {
      await eventLog.close();
      await sql.close();
    },
  };
}
