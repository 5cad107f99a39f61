import { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger.ts';

/** How often one connection's errors are logged while Redis stays down. */
const ERROR_LOG_INTERVAL_MS = 10_000;

export interface RedisConnectionOptions {
  /** CLIENT SETNAME: how this process's connections are found in CLIENT LIST. */
  name: string;
  /** Commands that get no answer within this fail (a hung Redis must not hang appends); none for a blocking reader. */
  commandTimeoutMs?: number;
  /** Commands issued in one tick go out as one write (the command connection). */
  autoPipelining?: boolean;
  lazyConnect?: boolean;
}

/**
 * A connection that never crashes the process and never queues: while Redis is unreachable
 * commands fail at once (the event log then serves from SQL) and ioredis keeps reconnecting in
 * the background. Every error is listened to, and logged at most once per interval.
 */
export function connectRedis(url: string, logger: Logger, options: RedisConnectionOptions): Redis {
  const client = new Redis(url, {
    connectionName: options.name,
    enableOfflineQueue: false,
    // A command whose connection dropped fails instead of being replayed on reconnect: the log
    // decides what to resend (an append may have been applied; the write-back script knows).
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: options.lazyConnect ?? false,
    enableAutoPipelining: options.autoPipelining ?? false,
    ...(options.commandTimeoutMs !== undefined && { commandTimeout: options.commandTimeoutMs }),
  });
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.warn('redis connection error', { connection: options.name, error: err.message });
  });
  return client;
}

/** Ends a connection without waiting for a Redis that may be gone. */
export function disconnectRedis(client: Redis): void {
  client.disconnect(false);
}
