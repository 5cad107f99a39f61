import { storeSuite } from './suites/store-suite.ts';

storeSuite('mysql');
