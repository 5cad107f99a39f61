import { sseSuite } from './suites/sse-suite.ts';

sseSuite('postgresql');
