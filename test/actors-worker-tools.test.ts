import test from 'ava';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor, type AnyActorRef } from 'xstate';
import type { LanguageModelV3FunctionTool } from '@ai-sdk/provider';
import { workerMachine, type WorkerContext, type WorkerInput } from '../src/actors/worker-machine.ts';
import { sourceOf, type AgentPlan } from '../src/actors/run-plan.ts';
import { DEFAULT_TOOL_SETTINGS } from '../src/tools/tool-settings.ts';
import { startHarness, type Draft } from './helpers/actor-harness.ts';
import { withModel, workerPlan } from './helpers/plans.ts';
import { ScriptedModel, finish, text, toolCall } from './helpers/scripted-model.ts';

const context = (ref: AnyActorRef) => (ref.getSnapshot() as { context: WorkerContext }).context;
const llm = (drafts: Draft[]) => drafts.filter((d) => d.category === 'llm' && (d.action === 'tool_call' || d.action === 'tool_result'));

function withTools(agent: AgentPlan, tools: string[], options: Partial<NonNullable<WorkerInput['tools']>> = {}): WorkerInput {
  return { agent: { ...agent, tools }, tools: { settings: DEFAULT_TOOL_SETTINGS, maxSteps: 8, ...options } };
}

function scripted(agent: AgentPlan, model: ScriptedModel): AgentPlan {
  return { ...agent, model: withModel(agent.model, model) };
}

test('simulated model: the worker calls the calculator, streams call and result as itself, then answers with the result', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'data analyst', { replyTokens: 12 });
  const h = startHarness(workerMachine, withTools(agent, ['calculator']));
  t.teardown(h.stop);
  h.send('call-1', 'What is (12 + 30) * 2 exactly?');
  const [result] = await h.waitForResults(1);
  t.true(result?.ok);
  t.regex(result!.output, /Tool results: calculator → 84 —/);
  const drafts = h.drafts();
  const tools = llm(drafts);
  t.deepEqual(tools.map((d) => d.action), ['tool_call', 'tool_result']);
  for (const d of tools) t.deepEqual(d.source, sourceOf(agent));
  const [call, answer] = tools;
  t.like(call!.data, { tool_name: 'calculator', tool_count: 1, input: { expression: '(12 + 30) * 2' }, tool_source: 'builtin' });
  const { duration_ms: took, ...answered } = answer!.data;
  t.deepEqual(answered, { tool_name: 'calculator', tool_call_id: call!.data.tool_call_id, is_error: false, result: '84', tool_source: 'builtin' });
  t.true(typeof took === 'number' && took >= 0, `the result says how long the call took: ${took}`);
  // The first turn's text streams before the call; the answer's text after the result.
  const streams = drafts.filter((d) => d.action === 'stream');
  t.true(streams.length > 0);
  t.true(drafts.indexOf(streams[0]!) < drafts.indexOf(call!));
  t.true(drafts.indexOf(streams.at(-1)!) > drafts.indexOf(answer!));
  t.is(streams.filter((d) => drafts.indexOf(d) > drafts.indexOf(answer!)).map((d) => d.data.content).join(''), result!.output);
  const { stats, messages, calls, counts } = context(h.child);
  t.like(stats, { tasks: 1, model_calls: 2, tool_calls: 1, tool_errors: 0, errors: 0 });
  t.deepEqual([messages, calls, counts.steps], [[], [], 0]);
});

test('a worker without tools still makes one call and offers no tools', async (t) => {
  const model = new ScriptedModel([{ parts: [text('plain answer'), finish()] }]);
  const h = startHarness(workerMachine, { agent: scripted(workerPlan('Alpha', 'Ada', 'analyst'), model) });
  t.teardown(h.stop);
  h.send('call-1', 'Compute 2 + 2');
  const [result] = await h.waitForResults(1);
  t.like(result, { ok: true, output: 'plain answer' });
  t.is(model.calls.length, 1);
  t.is(model.calls[0]!.tools, undefined);
  t.deepEqual(llm(h.drafts()), []);
});

test('failing tool calls (tool throws, bad input, unparsable input, unknown tool) answer the model as tool errors; the task completes', async (t) => {
  const model = new ScriptedModel([
    { parts: [
      toolCall('c1', 'calculator', '{"expression":"import({}, {})"}'),
      toolCall('c2', 'calculator', '{"formula":"1+1"}'),
      toolCall('c3', 'calculator', '{not json'),
      toolCall('c4', 'web_search', '{"q":"x"}'),
      toolCall('c5', 'calculator', '{"expression":"0.1 + 0.2"}'),
      finish(),
    ] },
    { parts: [text('done despite errors'), finish()] },
  ]);
  const agent = scripted(workerPlan('Alpha', 'Ada', 'analyst'), model);
  const h = startHarness(workerMachine, withTools(agent, ['calculator']));
  t.teardown(h.stop);
  h.send('call-1', 'Do the sums');
  const [result] = await h.waitForResults(1);
  t.like(result, { ok: true, output: 'done despite errors' });
  // The tools were offered with their schemas on the first call.
  const offered = model.calls[0]!.tools as LanguageModelV3FunctionTool[];
  t.deepEqual(offered.map((x) => [x.name, x.inputSchema.required]), [['calculator', ['expression']]]);
  const results = llm(h.drafts()).filter((d) => d.action === 'tool_result');
  t.deepEqual(results.map((d) => [d.data.tool_call_id, d.data.is_error]), [['c1', true], ['c2', true], ['c3', true], ['c4', true], ['c5', false]]);
  t.regex(String(results[0]!.data.result), /import is not available/);
  t.is(results[1]!.data.result, 'invalid input: expected {"expression": "<text>"}');
  t.regex(String(results[2]!.data.result), /not JSON/);
  t.is(results[3]!.data.result, 'unknown tool "web_search"');
  t.is(results[3]!.data.tool_source, null);
  t.is(results[4]!.data.result, '0.3');
  // The second call got the assistant turn and every result, errors as error-text, in order.
  const second = model.calls[1]!.prompt;
  t.is(second.at(-2)?.role, 'assistant');
  const toolMessage = second.at(-1)!;
  t.is(toolMessage.role, 'tool');
  const outputs = (toolMessage.content as Array<{ toolCallId: string; output: { type: string } }>).map((p) => [p.toolCallId, p.output.type]);
  t.deepEqual(outputs, [['c1', 'error-text'], ['c2', 'error-text'], ['c3', 'error-text'], ['c4', 'error-text'], ['c5', 'text']]);
  t.like(context(h.child).stats, { model_calls: 2, tool_calls: 5, tool_errors: 4, errors: 0 });
  t.deepEqual(h.drafts().filter((d) => d.category === 'system'), []);
});

test('after maxSteps rounds of tool calls the model is asked once more, without tools, for the answer', async (t) => {
  const round = (id: string) => ({ parts: [toolCall(id, 'calculator', '{"expression":"1 + 1"}'), finish()] });
  const model = new ScriptedModel([round('r1'), round('r2'), { parts: [text('final after two rounds'), finish()] }]);
  const agent = scripted(workerPlan('Alpha', 'Ada', 'analyst'), model);
  const h = startHarness(workerMachine, withTools(agent, ['calculator'], { maxSteps: 2 }));
  t.teardown(h.stop);
  h.send('call-1', 'Loop forever');
  const [result] = await h.waitForResults(1);
  t.like(result, { ok: true, output: 'final after two rounds' });
  t.is(model.calls.length, 3);
  t.deepEqual(model.calls.map((c) => (c.tools ?? []).length), [1, 1, 0]);
  t.deepEqual(llm(h.drafts()).map((d) => [d.action, d.data.tool_count ?? null]), [
    ['tool_call', 1], ['tool_result', null], ['tool_call', 2], ['tool_result', null],
  ]);
  t.like(context(h.child).stats, { model_calls: 3, tool_calls: 2, tool_errors: 0 });
});

test('a final, tool-less call that still asks for tools and says nothing fails the task, reported as an error', async (t) => {
  const model = new ScriptedModel([
    { parts: [toolCall('r1', 'calculator', '{"expression":"1 + 1"}'), finish()] },
    { parts: [toolCall('r2', 'calculator', '{"expression":"1 + 1"}'), finish()] },
  ]);
  const agent = scripted(workerPlan('Alpha', 'Ada', 'analyst'), model);
  const h = startHarness(workerMachine, withTools(agent, ['calculator'], { maxSteps: 1 }));
  t.teardown(h.stop);
  h.send('call-1', 'Loop forever');
  const [result] = await h.waitForResults(1);
  t.like(result, { ok: false, output: 'gave up after 1 rounds of tool calls without a final answer' });
  t.is(h.drafts().filter((d) => d.category === 'system' && d.action === 'error').length, 1);
  t.like(context(h.child).stats, { model_calls: 2, tool_calls: 1, errors: 1 });
});

test('a tool call runs as a child actor of the worker; stopping the worker (cancel) aborts the in-flight request', async (t) => {
  const arrived = Promise.withResolvers<IncomingMessage>();
  const server = createServer((req) => arrived.resolve(req)); // never answers
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const agent = workerPlan('Alpha', 'Ada', 'analyst');
  const settings = { ...DEFAULT_TOOL_SETTINGS, outbound: { allowedHosts: [`127.0.0.1:${port}`] } };
  const h = startHarness(workerMachine, withTools(agent, ['http_request'], { settings }));
  h.send('call-1', `Fetch http://127.0.0.1:${port}/slow and report`);
  const request = await arrived.promise;
  const snapshot = await waitFor(h.child, (s) => s.value === 'usingTools');
  const children = Object.keys((snapshot as unknown as { children: Record<string, unknown> }).children);
  t.deepEqual(children, ['tool:1']);
  t.like(llm(h.drafts())[0]?.data, { tool_name: 'http_request', input: { method: 'GET', url: `http://127.0.0.1:${port}/slow` }, tool_source: 'builtin' });
  const closed = once(request.socket, 'close');
  h.stop();
  await closed;
  t.deepEqual(llm(h.drafts()).map((d) => d.action), ['tool_call']);
  t.deepEqual(h.results(), []);
});

test('http_request to a refused address is a tool error for the model; the worker still answers', async (t) => {
  const agent = workerPlan('Alpha', 'Ada', 'analyst', { replyTokens: 8 });
  const h = startHarness(workerMachine, withTools(agent, ['http_request', 'calculator']));
  t.teardown(h.stop);
  h.send('call-1', 'Fetch http://169.254.169.254/latest/meta-data/ and add 1 + 2');
  const [result] = await h.waitForResults(1);
  t.true(result?.ok);
  const results = llm(h.drafts()).filter((d) => d.action === 'tool_result');
  t.deepEqual(results.map((d) => [d.data.tool_name, d.data.is_error]), [['http_request', true], ['calculator', false]]);
  t.regex(String(results[0]!.data.result), /^refused: 169\.254\.169\.254/);
  t.regex(result!.output, /http_request → error: refused: .*calculator → 3 —/);
  t.like(context(h.child).stats, { tool_calls: 2, tool_errors: 1 });
});
