import { runsApiSuite, runsLongTextSuite } from './suites/runs-api-suite.ts';
import { runsListSuite } from './suites/runs-list-suite.ts';

runsApiSuite('postgresql');
runsLongTextSuite('postgresql');
runsListSuite('postgresql');
