import { runsApiSuite, runsLongTextSuite } from './suites/runs-api-suite.ts';
import { runsListSuite } from './suites/runs-list-suite.ts';

runsApiSuite('sqlite');
runsLongTextSuite('sqlite');
runsListSuite('sqlite');
