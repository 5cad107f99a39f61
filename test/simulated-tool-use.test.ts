import test from 'ava';
import type { LanguageModelV3CallOptions, LanguageModelV3FunctionTool, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createSimulatedModel } from '../src/models/simulated-model.ts';
import { findExpression, findUrl, simulatedToolInput } from '../src/models/simulated-tool-use.ts';
import { calculatorTool } from '../src/tools/calculator-tool.ts';

const SYSTEM = 'You are Ada, a data analyst.';
const model = () => createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 12, reasoning: false });
const fn = (name: string): LanguageModelV3FunctionTool => ({ type: 'function', name, description: name, inputSchema: { type: 'object' } });

async function collect(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamPart[]> {
  const reader = (await model().doStream(options)).stream.getReader();
  const parts: LanguageModelV3StreamPart[] = [];
  for (let read = await reader.read(); !read.done; read = await reader.read()) parts.push(read.value);
  return parts;
}

const prompt = (task: string): LanguageModelV3CallOptions['prompt'] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: [{ type: 'text', text: task }] },
];

test('an arithmetic expression or a URL is found in a task', (t) => {
  t.is(findExpression('What is (12 + 30) * 2 in total?'), '(12 + 30) * 2');
  t.is(findExpression('Add 1.5^2 to the list'), '1.5^2');
  t.is(findExpression('Please compute sqrt(16) for me'), 'sqrt(16)');
  t.is(findExpression('(2 + 3 apples)'), '2 + 3');
  t.is(findExpression('Count the 3 red apples'), undefined);
  t.is(findExpression('No numbers here'), undefined);
  t.is(findUrl('Fetch https://example.com/data.json, then summarise.'), 'https://example.com/data.json');
  t.is(findUrl('(see http://127.0.0.1:8080/x)'), 'http://127.0.0.1:8080/x');
  t.is(findUrl('nothing to fetch'), undefined);
  t.is(simulatedToolInput('calculator', 'no maths'), '{"expression":"2 + 2"}');
  t.is(simulatedToolInput('http_request', 'no link'), undefined);
  t.is(simulatedToolInput('worker_Ada', 'Add 2 + 2'), undefined);
});

test('a worker offered tools calls each it can derive an input for, in one turn', async (t) => {
  const task = 'Compute 6 * 7 and check https://example.com/status';
  const parts = await collect({ prompt: prompt(task), tools: [fn('calculator'), fn('http_request')] });
  const calls = parts.flatMap((p) => (p.type === 'tool-call' ? [p] : []));
  t.deepEqual(calls.map((c) => [c.toolName, JSON.parse(c.input)]), [
    ['calculator', { expression: '6 * 7' }],
    ['http_request', { method: 'GET', url: 'https://example.com/status' }],
  ]);
  t.not(calls[0]!.toolCallId, calls[1]!.toolCallId);
  const finish = parts.at(-1);
  t.true(finish?.type === 'finish' && finish.finishReason.unified === 'tool-calls');
  // Deterministic: the same call gives the same turn.
  const again = await collect({ prompt: prompt(task), tools: [fn('calculator'), fn('http_request')] });
  t.deepEqual(again.filter((p) => p.type === 'tool-call'), calls);
});

test('with no URL in the task http_request is skipped; with nothing to call the worker answers at once', async (t) => {
  const both = await collect({ prompt: prompt('Summarise the totals'), tools: [fn('calculator'), fn('http_request')] });
  t.deepEqual(both.flatMap((p) => (p.type === 'tool-call' ? [[p.toolName, JSON.parse(p.input)]] : [])), [['calculator', { expression: '2 + 2' }]]);
  const none = await collect({ prompt: prompt('Summarise the totals'), tools: [fn('http_request')] });
  t.false(none.some((p) => p.type === 'tool-call'));
  const text = none.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
  t.true(text.startsWith('[Ada as a data analyst] Task: Summarise the totals —'), text);
});

test('once tool results are in, the worker answers citing them (errors too) and calls nothing more', async (t) => {
  const task = 'Compute 6 * 7';
  const parts = await collect({
    prompt: [
      ...prompt(task),
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'calculator', input: { expression: '6 * 7' } }] },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c2', toolName: 'http_request', input: { method: 'GET', url: 'x' } }] },
      { role: 'tool', content: [
        { type: 'tool-result', toolCallId: 'c1', toolName: 'calculator', output: { type: 'text', value: '42' } },
        { type: 'tool-result', toolCallId: 'c2', toolName: 'http_request', output: { type: 'error-text', value: 'refused: 10.0.0.1' } },
      ] },
    ],
    tools: [fn('calculator'), fn('http_request')],
  });
  t.false(parts.some((p) => p.type === 'tool-call'));
  const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
  t.true(text.startsWith('[Ada as a data analyst] Task: Compute 6 * 7 — Tool results: calculator → 42; http_request → error: refused: 10.0.0.1 —'), text);
  t.true(text.split(/\s+/).filter(Boolean).length >= 12);
});

test('through the AI SDK: a tool step with the real calculator, then an answer citing its result', async (t) => {
  const result = streamText({
    model: model(),
    system: SYSTEM,
    prompt: 'What is 2^10 + 0.1 + 0.2?',
    tools: {
      calculator: tool({
        description: calculatorTool.description,
        inputSchema: jsonSchema<{ expression: string }>(calculatorTool.inputSchema),
        execute: (input) => calculatorTool.execute(input, new AbortController().signal),
      }),
    },
    stopWhen: stepCountIs(5),
  });
  const steps = await result.steps;
  t.deepEqual(steps.map((s) => s.toolCalls.map((c) => c.toolName)), [['calculator'], []]);
  t.deepEqual(steps[0]!.toolCalls[0]!.input, { expression: '2^10 + 0.1 + 0.2' });
  t.deepEqual(steps[0]!.toolResults.map((r) => r.output), ['1024.3']);
  t.regex(await result.text, /Tool results: calculator → 1024\.3 —/);
});

test('any other worker tool (an MCP tool) gets its required fields built from the task; delegation tools are not called as worker tools', async (t) => {
  const schema = {
    type: 'object' as const,
    properties: {
      query: { type: 'string' as const },
      limit: { type: 'integer' as const, minimum: 1 },
      mode: { type: 'string' as const, enum: ['fast', 'deep'] },
      exact: { type: 'boolean' as const },
      tags: { type: 'array' as const, items: { type: 'string' as const }, minItems: 1 },
      filter: { type: 'object' as const, properties: { lang: { type: 'string' as const, maxLength: 4 } }, required: ['lang'] },
      optional: { type: 'string' as const },
    },
    required: ['query', 'limit', 'mode', 'exact', 'tags', 'filter'],
  };
  const task = 'Find 3 papers about actor models and supervision trees in distributed systems';
  t.deepEqual(JSON.parse(simulatedToolInput('mcp__docs__search', task, schema)!), {
    query: 'Find 3 papers about actor models and supervision', limit: 3, mode: 'fast', exact: true,
    tags: ['Find 3 papers about actor models and supervision'], filter: { lang: 'Find' },
  });
  t.is(simulatedToolInput('mcp__docs__ping', task, { type: 'object' }), '{}');
  t.is(simulatedToolInput('worker_Ada', task, { type: 'object', properties: { task: { type: 'string' } }, required: ['task'] }), undefined);

  // Offered to the model, an MCP tool is called with that input.
  const search: LanguageModelV3FunctionTool = { type: 'function', name: 'mcp__docs__search', description: 'search', inputSchema: schema };
  const parts = await collect({ prompt: prompt(task), tools: [search] });
  const calls = parts.flatMap((p) => (p.type === 'tool-call' ? [p] : []));
  t.deepEqual(calls.map((c) => c.toolName), ['mcp__docs__search']);
  t.is(JSON.parse(calls[0]!.input).limit, 3);
});
