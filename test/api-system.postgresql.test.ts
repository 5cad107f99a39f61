import { apiSystemSuite } from './suites/api-system-suite.ts';

apiSystemSuite('postgresql');
