import { eventLogFaultSuite, eventLogSuite } from './suites/event-log-suite.ts';
import { sqlEventLog } from './helpers/sql-event-log-factory.ts';

eventLogSuite('sql-postgresql', sqlEventLog('postgresql'));
eventLogFaultSuite('sql-postgresql', sqlEventLog('postgresql'));
