import { apiSecretsSuite } from './suites/api-secrets-suite.ts';

apiSecretsSuite('sqlite');
