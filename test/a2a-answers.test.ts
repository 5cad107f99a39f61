import test from 'ava';
import { answerOf } from '../src/http/a2a/a2a-answers.ts';
import { camelKeys, threadIdOfContext } from '../src/http/a2a/a2a-tasks.ts';
import { tckAnswerOf } from '../src/models/a2a-tck-scenarios.ts';

test('a plain answer is one text part; JSON that is not an envelope stays text', (t) => {
  for (const result of ['Hello', '{"a": 1}', '{"a2a": {"parts": []}}', '{"a2a": {"parts": [{}]}}', '{not json']) {
    const answer = answerOf(result);
    t.is(answer.parts.length, 1, result);
    t.deepEqual(answer.parts[0]!.content, { $case: 'text', value: result });
    t.like(answer, { reply: 'task', rejected: false });
  }
});

test('an A2A envelope gives files, data, a direct message or a rejection', (t) => {
  const file = answerOf(JSON.stringify({ a2a: { parts: [{ raw: Buffer.from('hi').toString('base64'), filename: 'a.txt', mediaType: 'text/plain' }, { url: 'https://example.com/x', filename: 'x' }] } }));
  t.is(file.parts.length, 2);
  t.is(file.parts[0]!.content?.$case, 'raw');
  t.is(Buffer.from(file.parts[0]!.content!.value as Buffer).toString(), 'hi');
  t.is(file.parts[0]!.filename, 'a.txt');
  t.deepEqual(file.parts[1]!.content, { $case: 'url', value: 'https://example.com/x' });
  const data = answerOf(JSON.stringify({ a2a: { parts: [{ data: { key: 'value', count: 42 } }] } }));
  t.deepEqual(data.parts[0]!.content, { $case: 'data', value: { key: 'value', count: 42 } });
  t.is(answerOf(JSON.stringify({ a2a: { reply: 'message', parts: [{ text: 'direct' }] } })).reply, 'message');
  t.true(answerOf(JSON.stringify({ a2a: { state: 'rejected', parts: [{ text: 'no' }] } })).rejected);
  t.is(answerOf(JSON.stringify({ a2a: { parts: Array.from({ length: 65 }, () => ({ text: 'x' })) } })).parts.length, 1, 'too many parts: text');
});

test('the TCK scenarios: by message id prefix, longest first, a default, and input-required played for real', (t) => {
  const of = (id: unknown) => tckAnswerOf({ a2a: { message_id: id } });
  t.is(of('tck-complete-task-abc'), 'Hello from TCK');
  t.is(of('tck-artifact-text-1'), 'Generated text content');
  t.true(of('tck-artifact-file-url-1')!.includes('https://example.com/output.txt'));
  t.true(of('tck-artifact-file-1')!.includes('"raw"'));
  t.true(of('tck-message-response-1')!.includes('"reply":"message"'));
  t.is(of('tck-something-else'), 'Hello from TCK');
  t.is(of('tck-input-required-1'), undefined);
  t.is(of(42), undefined);
  t.is(tckAnswerOf(undefined), undefined);
  t.is(tckAnswerOf({}), undefined);
});

test("a client's own context id names one thread per agent; a UUID is the thread's id", (t) => {
  const h1 = '11111111-1111-4111-8111-111111111111';
  const h2 = '22222222-2222-4222-8222-222222222222';
  const a = threadIdOfContext(h1, 'my-context');
  t.regex(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(threadIdOfContext(h1, 'my-context'), a, 'stable');
  t.not(threadIdOfContext(h2, 'my-context'), a, 'another agent: another thread');
  t.not(threadIdOfContext(h1, 'my-context2'), a);
  t.is(threadIdOfContext(h1, 'AAAAAAAA-1111-4111-8111-111111111111'), 'aaaaaaaa-1111-4111-8111-111111111111');
});

test('camelKeys turns snake_case keys camelCase all the way down, values untouched', (t) => {
  t.deepEqual(camelKeys({ agent_id: 'a_b', outcome: { partial_output: 'x', usage: [{ input_tokens: 1 }] } }),
    { agentId: 'a_b', outcome: { partialOutput: 'x', usage: [{ inputTokens: 1 }] } });
});
