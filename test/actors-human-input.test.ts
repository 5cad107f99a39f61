import test from 'ava';
import { waitFor, type AnyActorRef } from 'xstate';
import { workerMachine, type WorkerContext, type WorkerInput } from '../src/actors/worker-machine.ts';
import type { AgentPlan } from '../src/actors/run-plan.ts';
import { DEFAULT_TOOL_SETTINGS } from '../src/tools/tool-settings.ts';
import { startHarness } from './helpers/actor-harness.ts';
import { workerPlan } from './helpers/plans.ts';

const context = (ref: AnyActorRef) => (ref.getSnapshot() as { context: WorkerContext }).context;
const withTools = (agent: AgentPlan, tools: string[], approvalTools?: string[]): WorkerInput =>
  ({ agent: { ...agent, tools, ...(approvalTools && { approvalTools }) }, tools: { settings: DEFAULT_TOOL_SETTINGS, maxSteps: 4 } });
/** Resolves with the worker's open request once its model asked for a human. */
const untilAsked = async (child: AnyActorRef) => {
  await waitFor(child, (s) => (s as { context: WorkerContext }).context.calls.some((c) => c.human), { timeout: 10_000 });
  return context(child).calls.find((c) => c.human)!;
};

test('a call needing an approval does not run until approved; then it runs and the worker answers', async (t) => {
  let asked = 0;
  const h = startHarness(workerMachine, withTools(workerPlan('T', 'Ada', 'analyst', { replyTokens: 6 }), ['calculator'], ['calculator']), { onHumanRequest: () => { asked++; } });
  t.teardown(h.stop);
  h.send('c1', 'What is 6 * 7?');
  const call = await untilAsked(h.child);
  t.is(asked, 1, 'the executing process is told');
  t.like(call.human, { kind: 'approval', question: null });
  t.false(h.drafts().some((d) => d.action === 'tool_result'), 'it did not run');
  t.like(h.drafts().find((d) => d.category === 'human'), { action: 'requested', data: { request_id: call.human!.requestId, tool_name: 'calculator' } });
  h.child.send({ type: 'HUMAN.RESPONSE', response: { requestId: call.human!.requestId, approve: true } });
  const [result] = await h.waitForResults(1);
  t.true(result!.ok);
  t.like(h.drafts().find((d) => d.action === 'tool_result')?.data, { is_error: false, result: '42' });
  t.like(h.drafts().find((d) => d.category === 'human' && d.action === 'responded')?.data, { approved: true });
});

test('a graceful cancel of a worker waiting for a human withdraws the request and stops it without an answer', async (t) => {
  const h = startHarness(workerMachine, withTools(workerPlan('T', 'Bob', 'asker', { replyTokens: 6 }), ['ask_human']));
  t.teardown(h.stop);
  h.send('c1', 'Ask which colour to use');
  const call = await untilAsked(h.child);
  t.is(call.human!.kind, 'question');
  h.child.send({ type: 'AGENT.CANCEL', mode: 'graceful' });
  const [result] = await h.waitForResults(1);
  t.is(result!.outcome.status, 'cancelled');
  t.like(h.drafts().find((d) => d.category === 'human' && d.action === 'withdrawn')?.data, { request_id: call.human!.requestId });
  // A late answer finds nothing waiting.
  h.child.send({ type: 'HUMAN.RESPONSE', response: { requestId: call.human!.requestId, answer: 'red' } });
  t.false(h.drafts().some((d) => d.category === 'human' && d.action === 'responded'));
});
