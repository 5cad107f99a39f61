import test from 'ava';
import { loadConfig } from '../src/config.ts';

test('without REDIS_URL there is no Redis: the embedded SQL event log', (t) => {
  t.is(loadConfig({}).redis, undefined);
  t.is(loadConfig({ REDIS_URL: '' }).redis, undefined);
});

test('REDIS_URL turns the Redis event log on, with stream defaults of 10,000 entries and 24 h', (t) => {
  t.deepEqual(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redis, {
    url: 'redis://cache:6379/2', streamMaxLen: 10_000, streamTtlSeconds: 86_400, maxHeldBytes: 64 * 1024 * 1024, keyPrefix: '',
  });
  t.like(loadConfig({ REDIS_URL: 'rediss://c:6380', REDIS_STREAM_MAXLEN: '500', REDIS_STREAM_TTL_SECONDS: '60', REDIS_KEY_PREFIX: 'prod:' }).redis, {
    streamMaxLen: 500, streamTtlSeconds: 60, keyPrefix: 'prod:',
  });
});

test('bad Redis settings stop start-up with the variable named', (t) => {
  t.throws(() => loadConfig({ REDIS_URL: 'http://cache:6379' }), { message: /^REDIS_URL:/ });
  t.throws(() => loadConfig({ REDIS_URL: 'redis://c', REDIS_STREAM_MAXLEN: '5' }), { message: /^REDIS_STREAM_MAXLEN:/ });
  t.throws(() => loadConfig({ REDIS_URL: 'redis://c', REDIS_STREAM_TTL_SECONDS: '0' }), { message: /^REDIS_STREAM_TTL_SECONDS:/ });
});
