import { runIsolationSuite } from './suites/run-isolation-suite.ts';

runIsolationSuite('postgresql', 50);
