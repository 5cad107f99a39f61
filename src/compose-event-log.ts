import type { Store } from './store/store.ts';
import { SqlEventLog } from './store/sql-event-log.ts';
import { RedisEventLog } from './store/redis/redis-event-log.ts';
import type { RedisSettings } from './config.ts';
import type { EventLog } from './events/event-log.ts';
import type { Logger } from './logging/logger.ts';

/** The Redis event log over a SQL archive when Redis is configured, else the embedded SQL log. */
export function makeEventLog(store: Store, redis: RedisSettings | undefined, logger: Logger): { eventLog: EventLog; closeEventLog(): Promise<void>; sqlLog: SqlEventLog } {
  const sql = new SqlEventLog(store.orm);
  if (!redis) return { eventLog: sql, closeEventLog: () => sql.close(), sqlLog: sql };
  const eventLog = new RedisEventLog({ ...redis, archive: sql, logger });
  return {
    eventLog,
    sqlLog: sql,
    async closeEventLog() {
      await eventLog.close();
      await sql.close();
    },
  };
}
