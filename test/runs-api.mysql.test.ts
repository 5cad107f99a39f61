import { runsApiSuite } from './suites/runs-api-suite.ts';

runsApiSuite('mysql');
