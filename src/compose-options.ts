import type { ThreadContextLimits } from './services/thread-context.ts';
import type { EventLog } from './events/event-log.ts';
import type { CadreMetrics } from './telemetry/metrics.ts';
import type { Tracer } from '@opentelemetry/api';
import type { MetricsAccessSettings } from './http/metrics-access.ts';
import type { LeaseTimings } from './host/process-host.ts';
import type { RetentionSettings } from './host/retention-sweep.ts';
import type { RedisSettings } from './config.ts';
import type { DatabaseConfig } from './store/database-config.ts';
import type { Logger } from './logging/logger.ts';
import type { ToolSettings } from './tools/tool-settings.ts';
import type { ModelCallSettings } from './models/model-factory.ts';
import type { OutboundPolicy } from './outbound/outbound-policy.ts';

/** What composeService (compose.ts) is configured with: the operator's settings, read by config.ts. */
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
  /** Output tokens a call under a token or cost budget reserves when its model sets no max_tokens (BUDGET_DEFAULT_OUTPUT_TOKENS). */
  budgetDefaultOutputTokens?: number;
  /** THREAD_CONTEXT_MAX_RUNS / THREAD_CONTEXT_MAX_CHARS: how much of its thread a run is given. */
  threadContext?: ThreadContextLimits;
  /** THREADS_MAX_PER_TENANT. */
  maxThreadsPerTenant?: number;
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
  /** PUBLIC_URL: the base URL clients reach this service at, as A2A agent cards name it (absent: each request's own origin). */
  publicUrl?: string;
  /** Defaults to the Redis event log when `redis` is set, else the SQL event log on the same store. */
  eventLog?: EventLog;
  /** Who may read /metrics (METRICS_TOKEN, METRICS_PUBLIC); default public, closed with API keys required. */
  metricsAccess?: MetricsAccessSettings;
  /** This process's Prometheus metrics (served at /metrics); a fresh registry when absent. */
  metrics?: CadreMetrics;
  /** OpenTelemetry tracer for run traces (see src/telemetry/tracing.ts); no spans when absent. */
  tracer?: Tracer | null;
  /** TRACE_URL_TEMPLATE: where runs/trace links a run's trace id (`{trace_id}` replaced); absent: no link. */
  traceUrlTemplate?: string;
  /** REDIS_URL and its settings: events go to Redis Streams, archived in SQL. */
  redis?: RedisSettings;
  /** Durable runs: at most one checkpoint of a run per this interval (CHECKPOINT_INTERVAL_MS; default 0 here, every settled step). */
  checkpointIntervalMs?: number;
  /** A run waiting for a human longer than this ends `failed: input timed out` (HUMAN_INPUT_TIMEOUT_MS, default 24 h). */
  humanInputTimeoutMs?: number;
  /** Process lease timings (LEASE_*); defaults 2 s heartbeat, 6 s lease, 2 s sweep. */
  lease?: LeaseTimings;
  /** Deleting ended runs past their retention (RUN_RETENTION_SECONDS…); default 30 days, swept every 60 s. */
  retention?: RetentionSettings;
}
