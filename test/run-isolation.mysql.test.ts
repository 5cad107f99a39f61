import { runIsolationSuite } from './suites/run-isolation-suite.ts';

runIsolationSuite('mysql', 50);
