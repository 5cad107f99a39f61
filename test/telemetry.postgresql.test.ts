import { telemetrySuite } from './suites/telemetry-suite.ts';

telemetrySuite('postgresql');
