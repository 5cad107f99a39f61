import { apiHierarchiesSuite } from './suites/api-hierarchies-suite.ts';

apiHierarchiesSuite('mysql');
