import { apiModelsSuite } from './suites/api-models-suite.ts';

apiModelsSuite('postgresql');
