import test from 'ava';
import { APICallError } from '@ai-sdk/provider';
import { streamTurn } from '../src/models/stream-turn.ts';
import { DEFAULT_RETRY, retryAfterMs, retryDelayMs } from '../src/models/model-retry.ts';
import { fastRetry, finish, recording, request, ScriptedModel, serverError, text } from './helpers/scripted-model.ts';

test('a retryable failure before any output is retried with backoff until it works', async (t) => {
  const model = new ScriptedModel([
    { reject: serverError() },
    { parts: [{ type: 'stream-start', warnings: [] }, { type: 'error', error: serverError() }], end: 'hang' },
    { parts: [text('ok'), finish()] },
  ]);
  const { log, retries, handlers } = recording();
  const result = await streamTurn(model, { ...request, retry: fastRetry }, handlers);
  t.is(result.text, 'ok');
  t.is(result.attempts, 3);
  t.is(model.calls.length, 3);
  t.deepEqual(retries.map((r) => r.retry), [1, 2]);
  // Equal jitter: between half and all of 1 ms, then of 2 ms.
  t.true(retries[0]!.delayMs >= 1 && retries[0]!.delayMs <= 1, String(retries[0]!.delayMs));
  t.true(retries[1]!.delayMs >= 1 && retries[1]!.delayMs <= 2, String(retries[1]!.delayMs));
  t.deepEqual(log, ['text:ok']);
  t.is(model.cancelled.length, 1, 'the stream that failed with an error part was cancelled');
});

test('retry-after-ms and retry-after are honoured instead of the backoff', async (t) => {
  const model = new ScriptedModel([
    { reject: serverError({ 'retry-after-ms': '3' }) },
    { reject: serverError({ 'Retry-After': '0' }) },
    { parts: [text('ok'), finish()] },
  ]);
  const { retries, handlers } = recording();
  // A backoff of ten minutes: only the server's word can make this test finish.
  const result = await streamTurn(model, { ...request, retry: { maxRetries: 2, initialDelayMs: 600_000, maxDelayMs: 600_000 } }, handlers);
  t.is(result.attempts, 3);
  t.deepEqual(retries.map((r) => r.delayMs), [3, 0]);
  t.is(retryAfterMs(serverError({ 'retry-after': new Date(Date.parse('2030-01-01T00:00:10Z')).toUTCString() }), Date.parse('2030-01-01T00:00:00Z')), 10_000);
  t.is(retryDelayMs(DEFAULT_RETRY, 1, serverError(), () => 0), 1000, 'no header: half of the 2 s backoff at the least');
  t.is(retryDelayMs(DEFAULT_RETRY, 1, serverError(), () => 1), 2000);
  t.is(retryDelayMs(DEFAULT_RETRY, 0, serverError({ 'retry-after': '120' })), undefined, 'two minutes: not worth waiting for');
  const patient = new ScriptedModel([{ reject: serverError({ 'retry-after': '120' }) }, { parts: [finish()] }]);
  t.is((await t.throwsAsync(streamTurn(patient, { ...request, retry: fastRetry })))?.message, 'Service Unavailable');
  t.is(patient.calls.length, 1);
});

test('attempts are bounded; a non-retryable error is not retried; a connection reset is', async (t) => {
  const always = new ScriptedModel([{ reject: serverError() }, { reject: serverError() }, { reject: serverError() }]);
  const error = await t.throwsAsync(streamTurn(always, { ...request, retry: { ...fastRetry, maxRetries: 1 } }));
  t.true(APICallError.isInstance(error));
  t.is(always.calls.length, 2);

  const fatal = new APICallError({ message: 'Bad key', url: 'https://model.test', requestBodyValues: {}, statusCode: 401, isRetryable: false });
  const once = new ScriptedModel([{ reject: fatal }, { parts: [finish()] }]);
  t.is(await t.throwsAsync(streamTurn(once, { ...request, retry: fastRetry })), fatal);
  t.is(once.calls.length, 1);

  const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  const flaky = new ScriptedModel([{ reject: reset }, { parts: [text('back'), finish()] }]);
  t.is((await streamTurn(flaky, { ...request, retry: fastRetry })).text, 'back');
  t.is(flaky.calls.length, 2);
});

test('an error after output has started is not retried', async (t) => {
  const failure = serverError();
  const model = new ScriptedModel([
    { parts: [text('half an ans'), { type: 'error', error: failure }], end: 'hang' },
    { parts: [text('never'), finish()] },
  ]);
  const { log, retries, handlers } = recording();
  t.is(await t.throwsAsync(streamTurn(model, { ...request, retry: fastRetry }, handlers)), failure);
  t.is(model.calls.length, 1);
  t.deepEqual(retries, []);
  t.deepEqual(log, ['text:half an ans']);
  t.deepEqual(model.cancelled, [failure], 'the stream is cancelled with the error');

  const broken = new ScriptedModel([{ parts: [text('so far')], end: { error: new Error('stream torn') } }, { parts: [finish()] }]);
  const torn = await t.throwsAsync(streamTurn(broken, { ...request, retry: fastRetry }));
  t.is(torn?.message, 'stream torn');
  t.is(broken.calls.length, 1);
  t.deepEqual(broken.cancelled, [], 'an errored stream needs no cancel');
});

test('abort before the provider answers, or while waiting to retry, rejects at once', async (t) => {
  const silent = new ScriptedModel([{ never: true }]);
  const controller = new AbortController();
  const pending = streamTurn(silent, request, {}, controller.signal);
  t.is(silent.calls.length, 1, 'doStream was called');
  controller.abort();
  t.is((await t.throwsAsync(pending))?.name, 'AbortError');

  const failing = new ScriptedModel([{ reject: serverError() }, { parts: [finish()] }]);
  const during = new AbortController();
  const retrying = streamTurn(failing, { ...request, retry: { maxRetries: 2, initialDelayMs: 600_000, maxDelayMs: 600_000 } }, {
    onRetry: () => during.abort(),
  }, during.signal);
  t.is((await t.throwsAsync(retrying))?.name, 'AbortError');
  t.is(failing.calls.length, 1);

  const already = new AbortController();
  already.abort();
  const untouched = new ScriptedModel([{ parts: [finish()] }]);
  t.is((await t.throwsAsync(streamTurn(untouched, request, {}, already.signal)))?.name, 'AbortError');
  t.is(untouched.calls.length, 0);
});
