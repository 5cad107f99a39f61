import test from 'ava';
import { applyHumanResponse, gateCall, shiftDeadline, type HumanGatedCall } from '../src/actors/human-input.ts';
import type { AgentPlan } from '../src/actors/run-plan.ts';
import type { OfferedTool } from '../src/tools/worker-tool.ts';
import { loadConfig } from '../src/config.ts';

const agent = (approvalTools?: string[]): AgentPlan => ({
  agentId: 'w', agentType: 'worker', name: 'W', teamName: 'T', role: 'r', systemPrompt: 's',
  model: { name: 'm', provider: 'simulated', modelId: 'sim' }, tools: ['calculator', 'ask_human', 'mcp:srv'], ...(approvalTools && { approvalTools }),
});
const call = (toolName: string, input: unknown = {}): HumanGatedCall => ({ toolCallId: 'c1', toolName, input, actorId: 'tool:1', done: false, ok: false, output: '' });
const mcp = (remoteName: string): OfferedTool => ({ name: `mcp__srv__${remoteName}`, description: '', inputSchema: {}, source: 'mcp:srv', remoteName });

test('only calls of tools declared approval "always" wait for an approval; an MCP tool by its server or server/tool', (t) => {
  t.is(gateCall(agent(), call('calculator'), undefined).human, undefined);
  t.is(gateCall(agent(['calculator']), call('calculator'), undefined).human?.kind, 'approval');
  t.is(gateCall(agent(['calculator']), call('http_request'), undefined).human, undefined);
  t.is(gateCall(agent(['mcp:srv']), call('mcp__srv__drop'), mcp('drop')).human?.kind, 'approval');
  t.is(gateCall(agent(['mcp:srv/drop']), call('mcp__srv__drop'), mcp('drop')).human?.kind, 'approval');
  t.is(gateCall(agent(['mcp:srv/drop']), call('mcp__srv__read'), mcp('read')).human, undefined);
  // A call the model could not make (unparsable input) is answered as its error, never asked about.
  t.is(gateCall(agent(['calculator']), { ...call('calculator'), error: 'bad json' }, undefined).human, undefined);
});

test('ask_human asks its question; without a usable question it is a tool error at once', (t) => {
  const asked = gateCall(agent(), call('ask_human', { question: 'Which colour?' }), undefined);
  t.like(asked.human, { kind: 'question', question: 'Which colour?', requestId: 'w/tool:1' });
  const bad = gateCall(agent(), call('ask_human', { q: 1 }), undefined);
  t.is(bad.human, undefined);
  t.regex(bad.error!, /question/);
});

test('a response settles only its own open request: approved runs it, denied tells the model, a question gets the answer', (t) => {
  const waiting = [gateCall(agent(['calculator']), call('calculator'), undefined)];
  t.is(applyHumanResponse(agent(), waiting, { requestId: 'other', approve: true }), null);
  const approved = applyHumanResponse(agent(), waiting, { requestId: 'w/tool:1', approve: true })!;
  t.truthy(approved.run);
  t.false(approved.calls[0]!.done);
  t.like(approved.draft, { category: 'human', action: 'responded', data: { approved: true } });
  const denied = applyHumanResponse(agent(), waiting, { requestId: 'w/tool:1', approve: false, message: 'no' })!;
  t.is(denied.run, null);
  t.like(denied.calls[0], { done: true, ok: false, output: 'denied by a human: no' });
  const question = [gateCall(agent(), call('ask_human', { question: 'q?' }), undefined)];
  t.like(applyHumanResponse(agent(), question, { requestId: 'w/tool:1', answer: 'yes' })!.calls[0], { done: true, ok: true, output: 'yes' });
});

test('the time limit pauses: a checkpoint\'s start and its deadline timer move on by the time waited', (t) => {
  const snapshot = { context: { startedAtMs: 1000 }, children: { x: { snapshot: { input: { kind: 'deadline', atMs: 5000 } } }, y: { snapshot: { input: { kind: 'sink' } } } } };
  shiftDeadline(snapshot, 700);
  t.is(snapshot.context.startedAtMs, 1700);
  t.is(snapshot.children.x.snapshot.input.atMs, 5700);
});

test('HUMAN_INPUT_TIMEOUT_MS: 24 h by default, set in ms, refused when not a number', (t) => {
  t.is(loadConfig({}).humanInputTimeoutMs, 24 * 3600 * 1000);
  t.is(loadConfig({ HUMAN_INPUT_TIMEOUT_MS: '1500' }).humanInputTimeoutMs, 1500);
  t.throws(() => loadConfig({ HUMAN_INPUT_TIMEOUT_MS: 'soon' }));
});
