import { apiFuzzSuite } from './suites/api-fuzz-suite.ts';

apiFuzzSuite('sqlite');
