import { eventLogFaultSuite, eventLogSuite } from './suites/event-log-suite.ts';
import { sqlEventLog } from './helpers/sql-event-log-factory.ts';

eventLogSuite('sql-sqlite', sqlEventLog('sqlite'));
eventLogFaultSuite('sql-sqlite', sqlEventLog('sqlite'));
