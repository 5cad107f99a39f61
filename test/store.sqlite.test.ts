import { storeSuite } from './suites/store-suite.ts';

storeSuite('sqlite');
