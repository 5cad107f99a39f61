import test from 'ava';
import { streamTurn, StreamIdleTimeoutError } from '../src/models/stream-turn.ts';
import { finish, GAP, request, ScriptedModel, text } from './helpers/scripted-model.ts';
import { scrubError } from '../src/models/secret-scrubbing-model.ts';
import { APICallError } from '@ai-sdk/provider';

// The stream idle timeout: a provider that stops sending ends the call with an error (and its
// request is aborted) instead of holding the agent forever.

test('a provider that never answers fails with the idle error; its request signal is aborted', async (t) => {
  const model = new ScriptedModel([{ never: true }]);
  const error = await t.throwsAsync(streamTurn(model, { ...request, idleTimeoutMs: 50 }), { instanceOf: StreamIdleTimeoutError });
  t.regex(error.message, /no response from the model for 50 ms/);
  t.is(model.calls.length, 1, 'a stall is not retried');
  t.true(model.calls[0]!.abortSignal?.aborted);
});

test('a stream that stops mid-way fails with the idle error and is cancelled', async (t) => {
  const model = new ScriptedModel([{ parts: [text('partial')], end: 'hang' }]);
  const deltas: string[] = [];
  await t.throwsAsync(streamTurn(model, { ...request, idleTimeoutMs: 50 }, { onTextDelta: (d) => deltas.push(d) }), { instanceOf: StreamIdleTimeoutError });
  t.deepEqual(deltas, ['partial']);
  t.true(model.cancelled.length > 0);
  t.true(model.cancelled.every((r) => r instanceof StreamIdleTimeoutError));
});

test('a call whose parts arrive completes as usual with an idle timeout set', async (t) => {
  const model = new ScriptedModel([{ parts: [text('a'), GAP, text('b'), finish()] }]);
  const turn = streamTurn(model, { ...request, idleTimeoutMs: 10_000 });
  model.resume();
  t.is((await turn).text, 'ab');
});

test('scrubError: a key in an APICallError message or body is redacted; status and retryability are kept', (t) => {
  const key = 'sk-secret-123';
  const err = new APICallError({
    message: `bad key ${key}`, url: 'http://x', requestBodyValues: {}, statusCode: 429, responseHeaders: { 'retry-after': '1' },
    responseBody: `{"error":"${key}"}`, isRetryable: true,
  });
  const clean = scrubError(err, [key]) as APICallError;
  t.true(APICallError.isInstance(clean));
  t.is(clean.message, 'bad key [redacted]');
  t.is(clean.responseBody, '{"error":"[redacted]"}');
  t.like(clean, { statusCode: 429, isRetryable: true, responseHeaders: { 'retry-after': '1' } });
  const plain = scrubError(new Error(`boom ${key}`), [key]) as Error;
  t.is(plain.message, 'boom [redacted]');
  const untouched = new Error('no secret here');
  t.is(scrubError(untouched, [key]), untouched);
});
