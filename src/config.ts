import { z } from 'zod';
import { ConfigError } from './errors/app-error.ts';
import { databaseConfigFromEnv, type DatabaseConfig } from './store/database-config.ts';

/** Node timers hold at most 2^31-1 ms; a larger delay would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  HOST: z.string().min(1).default('0.0.0.0'),
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
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(MAX_TIMER_MS).default(10_000),
});

export interface AppConfig {
  port: number;
  host: string;
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
  database: DatabaseConfig;
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
    host: e.HOST,
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
    database: databaseConfigFromEnv(env),
  };
}
