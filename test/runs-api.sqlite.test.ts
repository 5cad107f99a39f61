import { runsApiSuite, runsLongTextSuite } from './suites/runs-api-suite.ts';

runsApiSuite('sqlite');
runsLongTextSuite('sqlite');
