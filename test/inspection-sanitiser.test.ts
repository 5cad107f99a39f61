import test from 'ava';
import { INSPECT_LIMITS, sanitise } from '../src/actors/inspection-sanitiser.ts';

// What inspection shows of a context or event: plain data, bounded, without the run's secrets.
const SECRET = 'sk-test-0123456789abcdef';

test('strings are cut past the limit, secrets replaced first (also one straddling the cut)', (t) => {
  const long = `${'a'.repeat(INSPECT_LIMITS.string - 5)}${SECRET}${'b'.repeat(1000)}`;
  const shown = sanitise(long, [SECRET]) as string;
  t.false(shown.includes(SECRET));
  t.false(shown.includes(SECRET.slice(0, 8)), 'no part of the secret survives the cut');
  t.true(shown.startsWith('a'.repeat(INSPECT_LIMITS.string - 5)));
  t.regex(shown, /…\[\+\d+ chars\]$/);
  t.is(sanitise(`key ${SECRET} here`, [SECRET]), 'key [redacted] here');
});

test('a conversation is its counts; other arrays are capped with a marker', (t) => {
  const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: SECRET }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }];
  t.deepEqual(sanitise({ messages }, [SECRET]), { messages: '[4 messages: 1 system, 2 user, 1 assistant]' });
  // Objects with a role that are no messages (a plan's workers) are shown as data.
  const workers = [{ name: 'Ada', role: 'data analyst' }];
  t.deepEqual(sanitise(workers, []), [{ name: 'Ada', role: 'data analyst' }]);
  const many = Array.from({ length: 50 }, (_, i) => i);
  const shown = sanitise(many, []) as unknown[];
  t.is(shown.length, INSPECT_LIMITS.array + 1);
  t.is(shown.at(-1), `…[+${50 - INSPECT_LIMITS.array} more]`);
});

test('live objects, functions and credential keys are never shown; depth and keys are capped', (t) => {
  class ProviderModel { apiKey = SECRET; }
  const event = {
    type: 'MCP.CALL', settle: { resolve: () => {} }, signal: new AbortController().signal, resources: { models: new Map([['a', SECRET]]) },
    model: new ProviderModel(), headers: { Authorization: `Bearer ${SECRET}`, accept: 'json' }, api_key_secret: 'llm.key', fn: function named() {},
    error: new Error(`failed with ${SECRET}`), when: new Date(0),
  };
  const shown = sanitise(event, [SECRET]) as Record<string, unknown>;
  const text = JSON.stringify(shown);
  t.false(text.includes(SECRET));
  t.false('settle' in shown || 'signal' in shown || 'resources' in shown);
  t.is(shown['model'], '[ProviderModel]');
  t.deepEqual(shown['headers'], { Authorization: '[redacted]', accept: 'json' });
  t.is(shown['api_key_secret'], '[redacted]');
  t.is(shown['fn'], '[function named]');
  t.deepEqual(shown['error'], { name: 'Error', message: 'failed with [redacted]' });
  t.is(shown['when'], '1970-01-01T00:00:00.000Z');
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 10; i++) deep = { deep };
  t.regex(JSON.stringify(sanitise(deep, [])), /"\[…\]"/);
  const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
  const capped = sanitise(wide, []) as Record<string, unknown>;
  t.is(Object.keys(capped).length, INSPECT_LIMITS.keys + 1);
  t.is(capped['…'], `+${100 - INSPECT_LIMITS.keys} keys`);
});
