import { eventLogFaultSuite, eventLogSuite } from './suites/event-log-suite.ts';
import { sqlEventLog } from './helpers/sql-event-log-factory.ts';

eventLogSuite('sql-mysql', sqlEventLog('mysql'));
eventLogFaultSuite('sql-mysql', sqlEventLog('mysql'));
