import { schemaMigrationsSuite } from './suites/schema-migrations-suite.ts';

schemaMigrationsSuite('postgresql');
