import { runCheckpointsSuite } from './suites/run-checkpoints-suite.ts';

runCheckpointsSuite('sqlite');
