import { Redis } from 'ioredis';
import { createTestDatabase, uniqueName, type Backend } from './backends.ts';
import { SqlEventLog } from '../../src/store/sql-event-log.ts';
import { RedisEventLog, type RedisEventLogOptions } from '../../src/store/redis/redis-event-log.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import type { EventLogFixture } from '../suites/event-log-suite.ts';

/** The shared Redis started by scripts/test-services.sh. */
export const testRedisUrl = process.env.CADRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (a test file's own keys). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  redis.on('error', () => { /* the caller sees the command fail */ });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export type RedisLogSettings = Partial<Omit<RedisEventLogOptions, 'archive' | 'logger'>>;

/**
 * A Redis event log with a SQL archive on a test database of its own and a key prefix of its
 * own; `sibling()` is a second log on the same Redis, prefix and database (another process).
 */
export function redisEventLog(archive: Backend, settings: RedisLogSettings = {}) {
  return async (): Promise<EventLogFixture & { log: RedisEventLog; prefix: string; archive: SqlEventLog; open(extra?: RedisLogSettings): RedisEventLog }> => {
    const db = await createTestDatabase(archive);
    const prefix = settings.keyPrefix ?? `${uniqueName('cadre_test')}:`;
    const url = settings.url ?? testRedisUrl;
    const logs: Array<{ log: RedisEventLog; sql: SqlEventLog }> = [];
    const open = (extra: RedisLogSettings = {}) => {
      const sql = new SqlEventLog(db.store.orm);
      const log = new RedisEventLog({
        url, archive: sql, logger: silentLogger, keyPrefix: prefix,
        streamMaxLen: 10_000, streamTtlSeconds: 3600, maxHeldBytes: 64 * 1024 * 1024, ...settings, ...extra,
      });
      logs.push({ log, sql });
      return { log, sql };
    };
    const first = open();
    return {
      log: first.log,
      archive: first.sql,
      prefix,
      liveAcrossInstances: true,
      sibling: async () => open().log,
      open: (extra?: RedisLogSettings) => open(extra).log,
      dispose: async () => {
        for (const { log, sql } of logs) {
          await log.close();
          await sql.close();
        }
        await deleteKeys(url, prefix);
        await db.drop();
      },
    };
  };
}
