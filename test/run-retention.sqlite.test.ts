import { runRetentionSuite } from './suites/run-retention-suite.ts';

runRetentionSuite('sqlite');
