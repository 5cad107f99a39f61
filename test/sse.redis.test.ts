import test from 'ava';
import { sseSuite } from './suites/sse-suite.ts';
import { deleteKeys, testRedisUrl } from './helpers/redis-event-log-factory.ts';
import { uniqueName } from './helpers/backends.ts';

/** The SSE contract with REDIS_URL set: events through Redis Streams, archived in SQLite. */
const keyPrefix = `${uniqueName('cadre_test_sse')}:`;
sseSuite('sqlite', {
  label: 'redis',
  compose: { redis: { url: testRedisUrl, streamMaxLen: 10_000, streamTtlSeconds: 3600, maxHeldBytes: 64 * 1024 * 1024, keyPrefix } },
});
test.after.always(() => deleteKeys(testRedisUrl, keyPrefix));
