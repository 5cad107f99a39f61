import { apiKeysSuite } from './suites/api-keys-suite.ts';

apiKeysSuite('sqlite');
