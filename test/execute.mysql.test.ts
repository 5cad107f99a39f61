import { executeSuite } from './suites/execute-suite.ts';

executeSuite('mysql');
