import { DEFAULT_THREAD_CONTEXT, type ThreadContextLimits } from './services/thread-context.ts';
import { DEFAULT_MAX_THREADS_PER_TENANT } from './domain/thread-schemas.ts';
import { z } from 'zod';
import { ConfigError } from './errors/app-error.ts';
import { databaseConfigFromEnv, type DatabaseConfig } from './store/database-config.ts';
import { parseSecretsKey } from './store/secret-cipher.ts';
import { ENV_ALLOW_ENTRY } from './domain/env-allow-list.ts';
import type { TracesExporter, TracingSettings } from './telemetry/tracing.ts';
import { parseAllowEntry } from './outbound/allow-list.ts';
import type { OutboundPolicy } from './outbound/outbound-policy.ts';
import { DEFAULT_BUDGET_OUTPUT_TOKENS } from './domain/budget-schemas.ts';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_MCP_SETTINGS, DEFAULT_TOOL_SETTINGS, type ToolSettings } from './tools/tool-settings.ts';

/** A comma list of outbound allowances (host, host:port, [v6]:port, IP, CIDR: see allow-list.ts), each checked. */
const allowedHostList = z.string().default('').transform((text) => text.split(',').map((h) => h.trim()).filter((h) => h !== ''))
  .superRefine((entries, ctx) => {
    for (const entry of entries) {
      const parsed = parseAllowEntry(entry);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }
  });

/** Node timers hold at most 2^31-1 ms; a larger delay would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  // Unset: loopback with API keys off, every interface with them required (see loadConfig).
  HOST: z.string().trim().optional().transform((host) => host || undefined),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  CORS_ORIGINS: z.string().default('*'),
  BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(30_000),
  RUN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(MAX_TIMER_MS).default(30 * 60 * 1000),
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(15_000),
  SSE_MAX_BUFFERED_FRAMES: z.coerce.number().int().min(10).default(10_000),
  SSE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(64 * 1024).default(8 * 1024 * 1024),
  SSE_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(20_000),
  SSE_STALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(60_000),
  MAX_CONCURRENT_RUNS: z.coerce.number().int().min(1).max(100_000).default(100),
  MAX_QUEUED_RUNS: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  TENANT_MAX_ACTIVE_RUNS: z.coerce.number().int().min(1).max(1_000_000).default(200),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(MAX_TIMER_MS).default(10_000),
  HTTP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(DEFAULT_TOOL_SETTINGS.http.timeoutMs),
  HTTP_TOOL_MAX_BYTES: z.coerce.number().int().min(1).max(100 * 1024 * 1024).default(DEFAULT_TOOL_SETTINGS.http.maxBytes),
  OUTBOUND_ALLOWED_HOSTS: allowedHostList,
  // The older name, from when only http_request had the policy: still read, merged with the new one.
  HTTP_TOOL_ALLOWED_HOSTS: allowedHostList,
  WORKER_MAX_TOOL_STEPS: z.coerce.number().int().min(1).max(100).default(DEFAULT_MAX_TOOL_STEPS),
  // Output tokens a model call under a token or cost budget reserves (and is capped at) when its model sets no max_tokens.
  BUDGET_DEFAULT_OUTPUT_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_BUDGET_OUTPUT_TOKENS),
  THREAD_CONTEXT_MAX_RUNS: z.coerce.number().int().min(0).max(1000).default(DEFAULT_THREAD_CONTEXT.maxRuns),
  THREAD_CONTEXT_MAX_CHARS: z.coerce.number().int().min(0).max(10_000_000).default(DEFAULT_THREAD_CONTEXT.maxChars),
  PUBLIC_URL: z.url().optional(),
  THREADS_MAX_PER_TENANT: z.coerce.number().int().min(1).max(100_000_000).default(DEFAULT_MAX_THREADS_PER_TENANT),
  MCP_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(DEFAULT_MCP_SETTINGS.connectTimeoutMs),
  MCP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(DEFAULT_MCP_SETTINGS.callTimeoutMs),
  MCP_TOOL_MAX_BYTES: z.coerce.number().int().min(1).max(100 * 1024 * 1024).default(DEFAULT_MCP_SETTINGS.maxBytes!),
  MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  MODEL_RETRY_INITIAL_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  MODEL_STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(60_000),
  MODEL_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMER_MS).default(15_000),
  API_KEYS: z.enum(['off', 'required']).default('off'),
  // The operator's credential for /metrics (a tenant's API key never opens it).
  METRICS_TOKEN: z.string().trim().optional().transform((token) => token || undefined)
    .pipe(z.string().min(16, 'at least 16 characters').regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces (it is sent as a Bearer token)').optional()),
  METRICS_PUBLIC: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  // Checked (and decoded) below, by parseSecretsKey: its message never repeats the value.
  SECRETS_KEY: z.string().trim().optional().transform((key) => key || undefined),
  TENANT_ENV_ALLOWED: z.string().default('').transform((text) => text.split(',').map((n) => n.trim()).filter((n) => n !== ''))
    .pipe(z.array(z.string().regex(ENV_ALLOW_ENTRY, 'each entry is a variable name, * matching any characters (e.g. OPENAI_*,MY_KEY)'))),
  // OpenTelemetry's standard variables (the exporter reads its endpoint and headers itself).
  // A boolean as the OTel spec reads it: `true` in any case disables, anything else does not.
  OTEL_SDK_DISABLED: z.string().default('false').transform((v) => v.trim().toLowerCase() === 'true'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none', '']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('cadre'),
  // Where a run's trace id links to in runs/trace and the viewer (a trace UI: Jaeger, Tempo, …).
  TRACE_URL_TEMPLATE: z.string().trim().optional().transform((t) => t || undefined)
    .pipe(z.string().regex(/^https?:\/\/.*\{trace_id\}/, 'an http(s) URL with {trace_id} in it, e.g. http://localhost:16686/trace/{trace_id}').optional()),
  REDIS_URL: z.string().trim().optional().transform((url) => url || undefined)
    .pipe(z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional()),
  REDIS_STREAM_MAXLEN: z.coerce.number().int().min(100).max(10_000_000).default(10_000),
  REDIS_STREAM_TTL_SECONDS: z.coerce.number().int().min(1).max(365 * 24 * 3600).default(24 * 3600),
  REDIS_MAX_HELD_BYTES: z.coerce.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
  REDIS_KEY_PREFIX: z.string().default(''),
  LEASE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(6000),
  LEASE_SWEEP_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** A run waiting for a human longer than this ends `failed: input timed out`. Default 24 h. */
  HUMAN_INPUT_TIMEOUT_MS: z.coerce.number().int().min(100).max(365 * 24 * 3600 * 1000).default(24 * 3600 * 1000),
  /** Ended runs older than this are deleted with their events; 0 keeps them for ever. Default 30 days. */
  RUN_RETENTION_SECONDS: z.coerce.number().int().min(0).max(100 * 365 * 24 * 3600).default(30 * 24 * 3600),
  RETENTION_SWEEP_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(60),
}).refine((e) => e.LEASE_MS >= 2 * e.LEASE_HEARTBEAT_MS, { path: ['LEASE_MS'], message: 'must be at least twice LEASE_HEARTBEAT_MS' })
  .refine((e) => !(e.METRICS_PUBLIC && e.METRICS_TOKEN), { path: ['METRICS_PUBLIC'], message: 'true contradicts METRICS_TOKEN: set one of them' });

/** The Redis Streams event log (production, several processes); absent: the embedded SQL log. */
export interface RedisSettings {
  url: string;
  streamMaxLen: number;
  streamTtlSeconds: number;
  /** Events held in memory while Redis is down or SQL lags, in bytes of JSON; past it appends wait. */
  maxHeldBytes: number;
  keyPrefix: string;
}

export interface AppConfig {
  port: number;
  host: string;
  /** HOST was unset and API keys are off, so the server listens on loopback only (main says how to expose it). */
  loopbackByDefault: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  bodyLimitBytes: number;
  bodyTimeoutMs: number;
  /** `*` or the exact origins (scheme://host[:port]) allowed to call from a browser. */
  corsOrigins: string[];
  runTimeoutMs: number;
  sseHeartbeatMs: number;
  sseMaxBufferedFrames: number;
  sseMaxBufferedBytes: number;
  sseMaxConnections: number;
  sseStallTimeoutMs: number;
  shutdownGraceMs: number;
  maxConcurrentRuns: number;
  /** Runs that may wait for a slot: per process without Redis, in the shared queue with it (429 past it). */
  maxQueuedRuns: number;
  /** Runs one tenant may have running or waiting at once, across processes (429 past it). */
  tenantMaxActiveRuns: number;
  toolSettings: ToolSettings;
  /** Where connections a tenant steers (model base_url, MCP servers, http_request) may go. */
  outbound: OutboundPolicy;
  workerMaxToolSteps: number;
  budgetDefaultOutputTokens: number;
  threadContext: ThreadContextLimits;
  maxThreadsPerTenant: number;
  /** PUBLIC_URL: where clients reach the service (A2A agent cards name it); absent: the request's origin. */
  publicUrl?: string;
  /** Model calls: retries before any output, and how long a stream may send nothing. */
  modelCalls: { retry: { maxRetries: number; initialDelayMs: number }; idleTimeoutMs: number };
  modelCheckTimeoutMs: number;
  /** `required`: every request but /health, the API docs and /viewer needs an API key. */
  apiKeys: 'off' | 'required';
  /** Who may read /metrics: METRICS_TOKEN as a Bearer token, or METRICS_PUBLIC (see http/metrics-access.ts). */
  metricsAccess: { token?: string; public: boolean };
  /** SECRETS_KEY decoded (32 bytes): encrypts tenant secrets. Absent: see resolveSecretsKey. */
  secretsKey?: Buffer;
  /** TENANT_ENV_ALLOWED: the operator variables tenants' api_key_env / headers_env may name. */
  tenantEnvAllowed: string[];
  /** OpenTelemetry traces: off unless OTEL_TRACES_EXPORTER or an OTLP endpoint asks for them. */
  tracing: TracingSettings;
  /** TRACE_URL_TEMPLATE: a run's trace in a trace UI, `{trace_id}` replaced (absent: runs/trace links nowhere). */
  traceUrlTemplate?: string;
  database: DatabaseConfig;
  redis?: RedisSettings;
  /** Process leases: heartbeat period, lapse threshold, how often lapsed runs are looked for. */
  lease: { heartbeatMs: number; leaseMs: number; sweepMs: number };
  /** Durable runs: at most one checkpoint of a run per this interval (0: one after every settled step). */
  checkpointIntervalMs: number;
  /** Human in the loop: how long a run may wait for a human before it fails `input timed out`. */
  humanInputTimeoutMs: number;
  /** Retention of ended runs (RUN_RETENTION_SECONDS, 0: for ever) and how often it is applied. */
  retention: { retentionMs: number; sweepMs: number };
}

/** Environment → typed configuration, in one place; a bad value stops the process with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    // An open server (no API keys) stays on loopback unless HOST says otherwise.
    host: e.HOST ?? (e.API_KEYS === 'required' ? '0.0.0.0' : '127.0.0.1'),
    loopbackByDefault: e.HOST === undefined && e.API_KEYS === 'off',
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    bodyTimeoutMs: e.BODY_TIMEOUT_MS,
    corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim().replace(/\/$/, '')).filter((o) => o !== ''),
    runTimeoutMs: e.RUN_TIMEOUT_MS,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    sseMaxBufferedFrames: e.SSE_MAX_BUFFERED_FRAMES,
    sseMaxBufferedBytes: e.SSE_MAX_BUFFERED_BYTES,
    sseMaxConnections: e.SSE_MAX_CONNECTIONS,
    sseStallTimeoutMs: e.SSE_STALL_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    maxConcurrentRuns: e.MAX_CONCURRENT_RUNS,
    maxQueuedRuns: e.MAX_QUEUED_RUNS,
    tenantMaxActiveRuns: e.TENANT_MAX_ACTIVE_RUNS,
    toolSettings: {
      http: { ...DEFAULT_TOOL_SETTINGS.http, timeoutMs: e.HTTP_TOOL_TIMEOUT_MS, maxBytes: e.HTTP_TOOL_MAX_BYTES },
      mcp: { connectTimeoutMs: e.MCP_CONNECT_TIMEOUT_MS, callTimeoutMs: e.MCP_TOOL_TIMEOUT_MS, maxBytes: e.MCP_TOOL_MAX_BYTES },
    },
    outbound: { allowedHosts: [...new Set([...e.OUTBOUND_ALLOWED_HOSTS, ...e.HTTP_TOOL_ALLOWED_HOSTS])] },
    workerMaxToolSteps: e.WORKER_MAX_TOOL_STEPS,
    budgetDefaultOutputTokens: e.BUDGET_DEFAULT_OUTPUT_TOKENS,
    threadContext: { maxRuns: e.THREAD_CONTEXT_MAX_RUNS, maxChars: e.THREAD_CONTEXT_MAX_CHARS },
    maxThreadsPerTenant: e.THREADS_MAX_PER_TENANT,
    ...(e.PUBLIC_URL && { publicUrl: e.PUBLIC_URL.replace(/\/+$/, '') }),
    modelCalls: { retry: { maxRetries: e.MODEL_MAX_RETRIES, initialDelayMs: e.MODEL_RETRY_INITIAL_DELAY_MS }, idleTimeoutMs: e.MODEL_STREAM_IDLE_TIMEOUT_MS },
    modelCheckTimeoutMs: e.MODEL_CHECK_TIMEOUT_MS,
    apiKeys: e.API_KEYS,
    metricsAccess: { ...(e.METRICS_TOKEN && { token: e.METRICS_TOKEN }), public: e.METRICS_PUBLIC },
    ...(e.SECRETS_KEY && { secretsKey: parseSecretsKey(e.SECRETS_KEY) }),
    tenantEnvAllowed: e.TENANT_ENV_ALLOWED,
    tracing: tracingOf(e),
    ...(e.TRACE_URL_TEMPLATE && { traceUrlTemplate: e.TRACE_URL_TEMPLATE }),
    database: databaseConfigFromEnv(env),
    ...(e.REDIS_URL && {
      redis: {
        url: e.REDIS_URL,
        streamMaxLen: e.REDIS_STREAM_MAXLEN,
        streamTtlSeconds: e.REDIS_STREAM_TTL_SECONDS,
        maxHeldBytes: e.REDIS_MAX_HELD_BYTES,
        keyPrefix: e.REDIS_KEY_PREFIX,
      },
    }),
    lease: { heartbeatMs: e.LEASE_HEARTBEAT_MS, leaseMs: e.LEASE_MS, sweepMs: e.LEASE_SWEEP_MS },
    checkpointIntervalMs: e.CHECKPOINT_INTERVAL_MS,
    humanInputTimeoutMs: e.HUMAN_INPUT_TIMEOUT_MS,
    retention: { retentionMs: e.RUN_RETENTION_SECONDS * 1000, sweepMs: e.RETENTION_SWEEP_SECONDS * 1000 },
  };
}

/**
 * Traces are opt-in: on when OTEL_TRACES_EXPORTER names an exporter, or (exporter unset) when an
 * OTLP endpoint is configured; OTEL_SDK_DISABLED=true turns them off whatever else is set.
 */
function tracingOf(e: z.infer<typeof envSchema>): TracingSettings {
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const asked: TracesExporter = e.OTEL_TRACES_EXPORTER || (endpoint ? 'otlp' : 'none');
  return { exporter: e.OTEL_SDK_DISABLED ? 'none' : asked, serviceName: e.OTEL_SERVICE_NAME };
}
