import { schemaMigrationsStartSuite } from './suites/schema-migrations-start-suite.ts';

schemaMigrationsStartSuite('sqlite');
