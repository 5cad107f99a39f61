import { runIsolationSuite } from './suites/run-isolation-suite.ts';

runIsolationSuite('sqlite', 50);
