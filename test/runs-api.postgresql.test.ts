import { runsApiSuite, runsLongTextSuite } from './suites/runs-api-suite.ts';

runsApiSuite('postgresql');
runsLongTextSuite('postgresql');
