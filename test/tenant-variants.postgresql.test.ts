import { tenantVariantsSuite } from './suites/tenant-variants-suite.ts';

tenantVariantsSuite('postgresql');
