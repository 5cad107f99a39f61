import { runBoundsSuite } from './suites/run-bounds-suite.ts';

runBoundsSuite('mysql');
