import { eventLogFaultSuite, eventLogSuite } from './suites/event-log-suite.ts';
import { redisEventLog } from './helpers/redis-event-log-factory.ts';

/** The EventLog contract on Redis Streams, with the SQL archive on PostgreSQL. */
eventLogSuite('redis', redisEventLog('postgresql'));
eventLogFaultSuite('redis', redisEventLog('postgresql'));
