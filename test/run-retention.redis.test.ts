import test from 'ava';
import { runRetentionSuite } from './suites/run-retention-suite.ts';
import { deleteKeys, testRedisUrl } from './helpers/redis-event-log-factory.ts';
import { uniqueName } from './helpers/backends.ts';

/** runs/delete and retention with REDIS_URL set: streams in Redis (and the run queue), archived in PostgreSQL. */
const keyPrefix = `${uniqueName('cadre_test_ret')}:`;
runRetentionSuite('postgresql', {
  label: 'redis',
  compose: { redis: { url: testRedisUrl, streamMaxLen: 10_000, streamTtlSeconds: 3600, maxHeldBytes: 64 * 1024 * 1024, keyPrefix } },
});
test.after.always(() => deleteKeys(testRedisUrl, keyPrefix));
