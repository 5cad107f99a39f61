import { runOwnershipSuite } from './suites/run-ownership-suite.ts';

runOwnershipSuite('sqlite');
