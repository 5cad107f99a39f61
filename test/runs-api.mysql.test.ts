import { runsApiSuite, runsLongTextSuite } from './suites/runs-api-suite.ts';

runsApiSuite('mysql');
runsLongTextSuite('mysql');
