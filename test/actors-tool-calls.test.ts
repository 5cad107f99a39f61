import test from 'ava';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { teamSupervisorMachine, } from '../src/actors/supervisor-machine.ts';
import { globalSupervisorInput, type TeamSupervisorInput } from '../src/actors/supervisor-input.ts';
import { startHarness } from './helpers/actor-harness.ts';
import { runPlan, teamPlan, withModel } from './helpers/plans.ts';

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

/** A model that answers each call with the next scripted list of stream parts (a real provider's shape). */
function scriptedModel(turns: LanguageModelV3StreamPart[][]): MockLanguageModelV3 {
  let call = 0;
  return new MockLanguageModelV3({
    doStream: async () => ({ stream: simulateReadableStream({ chunks: turns[call++] ?? [] }) }),
  });
}

function supervisorWith(model: MockLanguageModelV3): TeamSupervisorInput {
  const plan = runPlan(1, { executionMode: 'parallel', teams: [teamPlan('Alpha', ['Ada', 'Bob'])] });
  const input = globalSupervisorInput(plan).children[0]!.input;
  return { ...input, agent: { ...input.agent, model: withModel(input.agent.model, model) } };
}

test('unusable tool calls (bad input, unknown tool) are answered as tool errors and never dispatched', async (t) => {
  const model = scriptedModel([
    [
      { type: 'stream-start', warnings: [] },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'worker_Ada', input: '{"tsk":"oops"}' },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'worker_Nobody', input: '{"task":"x"}' },
      { type: 'tool-call', toolCallId: 'c3', toolName: 'worker_Bob', input: '{"task":"Check the totals"}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
    ],
    [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'All done.' },
      { type: 'text-end', id: 't' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
    ],
  ]);
  const h = startHarness(teamSupervisorMachine, supervisorWith(model));
  t.teardown(h.stop);
  h.send('task-1', 'Audit the books');
  const [result] = await h.waitForResults(1);
  t.like(result, { ok: true, output: 'All done.' });
  const drafts = h.drafts();
  t.deepEqual(drafts.filter((d) => d.action === 'worker').map((d) => d.data.worker_name), ['Bob'], 'only the usable call was dispatched');
  const results = Object.fromEntries(drafts.filter((d) => d.action === 'tool_result').map((d) => [d.data.tool_call_id, d.data]));
  t.like(results.c1, { is_error: true });
  t.regex(String(results.c1!.result), /invalid tool (input|call)/);
  t.like(results.c2, { is_error: true });
  t.regex(String(results.c2!.result), /worker_Nobody/);
  t.like(results.c3, { is_error: false });
  // The model was told, in its second call, which calls failed.
  const toolMessage = model.doStreamCalls[1]!.prompt.find((m) => m.role === 'tool')!;
  const outputs = (toolMessage.content as Array<{ toolCallId: string; output: { type: string } }>).map((p) => [p.toolCallId, p.output.type]);
  t.deepEqual(outputs.sort(), [['c1', 'error-text'], ['c2', 'error-text'], ['c3', 'text']]);
});
