import test from 'ava';
import { Writable } from 'node:stream';
import { progressDisplay, RunProgress } from '../src/cli/run-progress.ts';
import type { RunEventJson } from '../src/cli/run-stream.ts';

/** A stream that keeps what is written, as a terminal (isTTY) or as a pipe. */
function sinkStream(tty: boolean): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const out = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }) as unknown as NodeJS.WriteStream;
  Object.assign(out, { isTTY: tty, columns: 100 });
  return { out, text: () => text };
}

let seq = 0;
function ev(category: string, action: string, data: Record<string, unknown> = {}, agent?: { name: string; type: string; team: string | null }): RunEventJson {
  return {
    run_id: 1, timestamp: new Date().toISOString(), sequence: ++seq, event: { category, action }, data,
    source: agent ? { agent_id: agent.name, agent_type: agent.type, agent_name: agent.name, team_name: agent.team } : null,
  };
}
const gs = { name: 'Global Supervisor', type: 'global_supervisor', team: null };
const ts = { name: 'Supervisor', type: 'team_supervisor', team: 'Analysts' };
const ada = { name: 'Ada', type: 'worker', team: 'Analysts' };

const script = (): RunEventJson[] => [
  ev('lifecycle', 'started', { task: 'Summarise' }),
  ev('llm', 'stream', { content: 'a' }, gs),
  ev('dispatch', 'team', { team_name: 'Analysts', task: 't' }, gs),
  ev('dispatch', 'worker', { team_name: 'Analysts', worker_name: 'Ada', task: 'w' }, ts),
  ev('llm', 'stream', { content: 'b' }, ada),
  ev('llm', 'reasoning', { content: 'c' }, ada),
  ev('dispatch', 'worker_completed', { team_name: 'Analysts', worker_name: 'Ada', ok: true, status: 'completed', duration_ms: 650 }, ts),
  ev('dispatch', 'team_completed', { team_name: 'Analysts', ok: true, status: 'completed', duration_ms: 2450 }, gs),
  ev('lifecycle', 'completed', { result: 'done' }),
];

test('progress counts active agents through dispatch and completion, and streamed tokens', (t) => {
  const p = new RunProgress();
  const active: number[] = [];
  for (const e of script()) {
    p.apply(e);
    active.push(p.activeAgents);
  }
  t.deepEqual(active, [1, 1, 2, 3, 3, 3, 2, 1, 0]);
  t.is(p.tokens, 3);
  t.is(p.events, 9);
  t.regex(p.status(), /^0 agents active · 3 tokens · \d+\.\ds$/);
});

test('on a terminal the status line is redrawn in place; events print above it', (t) => {
  const { out, text } = sinkStream(true);
  const display = progressDisplay(out, new RunProgress());
  for (const e of script()) display.event(e);
  display.end();
  const written = text();
  t.true(written.includes('\r\x1b[2KGlobal Supervisor → team Analysts: t\n'));
  t.regex(written, /\r\x1b\[2K. 3 agents active · 1 tokens · \d+\.\ds · Supervisor \(Analysts\)/);
  t.true(written.endsWith('\r\x1b[2K'), 'the status line is cleared at the end');
});

test('elsewhere: plain lines with the status, no control codes', (t) => {
  const { out, text } = sinkStream(false);
  const display = progressDisplay(out, new RunProgress());
  for (const e of script()) display.event(e);
  display.end();
  const lines = text().split('\n').filter((l) => l !== '');
  t.true(lines.length > 0);
  t.false(text().includes('\x1b'));
  t.true(lines.every((l) => /^\[\s*\d+\.\ds\] \d+ agents? active · \d+ tokens · \d+\.\ds \| /.test(l)), text());
  t.deepEqual(lines.map((l) => l.split(' | ')[1]), [
    'started: Summarise', 'Global Supervisor → team Analysts: t', 'Supervisor (Analysts) → Ada: w',
    'Ada (Analysts) done in 0.7s', 'team Analysts done in 2.5s', 'completed',
  ]);
});

test('agent control, budget and human events each get a line; a request says the exact command that answers it', (t) => {
  const p = new RunProgress({ respondPrefix: "cadre --url http://h:9 --tenant acme" });
  const line = (e: RunEventJson) => p.apply(e);
  t.is(line(ev('agent', 'cancelled', { agent_id: 'Ada', mode: 'graceful', cancelled_by: 'Ada', outcome: { status: 'cancelled', partial_output: 'Half of it' } }, ada)),
    'Ada (Analysts) cancelled (graceful), kept 10 chars of partial output');
  t.is(line(ev('agent', 'cancelled', { agent_id: 'Ada', mode: 'hard', cancelled_by: 'team-a-supervisor', outcome: { status: 'cancelled', partial_output: null } }, ada)),
    'Ada (Analysts) cancelled (hard with team-a-supervisor)');
  t.is(line(ev('agent', 'steered', { agent_id: 'Supervisor', message: 'Prefer\n2025 figures', delivery: 'next_model_turn' }, ts)),
    'Supervisor (Analysts) steered: "Prefer 2025 figures" (for its next model turn)');
  t.is(line(ev('budget', 'warning', { scope: 'team:Analysts', limit: 'max_tokens', spent: 8000, max: 10000 })),
    'budget warning: team:Analysts budget max_tokens: 8,000 of 10,000 (80%)');
  t.is(line(ev('budget', 'exhausted', { scope: 'run', limit: 'max_model_calls', spent: 2, max: 2 })),
    'budget exhausted: run budget max_model_calls: 2 of 2 (100%) — the run stops');
  t.is(line(ev('budget', 'exhausted', { scope: 'agent:w1' })), 'budget exhausted: agent:w1 budget — that subtree stops', 'fields missing: still a line');
  t.is(line(ev('human', 'requested', { request_id: 'req-1', agent_id: 'Ada', kind: 'approval', tool_name: 'http_request', arguments: { url: 'https://x' } }, ada)),
    `Ada (Analysts) asks to approve http_request({"url":"https://x"}) — answer with: cadre --url http://h:9 --tenant acme respond 1 req-1 --approve   (or: --deny --message '<why>')`);
  t.is(line(ev('human', 'requested', { request_id: 'r 2', agent_id: 'Ada', kind: 'question', question: 'Which year?' }, ada)),
    `Ada (Analysts) asks: "Which year?" — answer with: cadre --url http://h:9 --tenant acme respond 1 'r 2' --answer '<your answer>'`);
  t.is(line(ev('human', 'responded', { request_id: 'req-1', approve: false, message: 'not that host' })), 'request req-1 denied (not that host)');
  t.is(line(ev('human', 'responded', { request_id: 'r 2', answer: '2025' })), 'request r 2 answered "2025"');
  t.is(line(ev('dispatch', 'worker_completed', { ok: false, status: 'budget_exhausted', outcome: { status: 'budget_exhausted' } }, ts)),
    'Supervisor (Analysts) worker done (budget_exhausted)', 'an event naming no worker (written before they did): the supervisor line');
  t.is(line(ev('dispatch', 'worker_completed', {
    team_name: 'Analysts', worker_name: 'Ada', ok: false, status: 'failed', duration_ms: 1234, outcome: { status: 'failed', error: 'openai gpt-4o: 429\nrate limited' },
  }, ts)), 'Ada (Analysts) failed after 1.2s: openai gpt-4o: 429 rate limited');
  t.is(line(ev('agent', 'something_new', {})), undefined, 'an unknown action prints nothing');
});

test('respond: exactly one of --approve, --deny, --answer; --message only with approve or deny', async (t) => {
  const { respondBody } = await import('../src/cli/agent-commands.ts');
  t.deepEqual(respondBody(3, 'r', { json: false, approve: true }), { id: 3, request_id: 'r', approve: true });
  t.deepEqual(respondBody(3, 'r', { json: false, deny: true, message: 'no' }), { id: 3, request_id: 'r', approve: false, message: 'no' });
  t.deepEqual(respondBody(3, 'r', { json: false, answer: '2025' }), { id: 3, request_id: 'r', answer: '2025' });
  for (const flags of [{}, { approve: true, deny: true }, { approve: true, answer: 'x' }, { answer: 'x', message: 'm' }]) {
    const err = t.throws(() => respondBody(3, 'r', { json: false, ...flags }));
    t.is((err as any).exitCode, 2, JSON.stringify(flags));
  }
});

test("a worker's tool calls and results get a line each, bounded; a supervisor's delegations do not repeat as results", (t) => {
  const p = new RunProgress();
  t.is(p.apply(ev('llm', 'tool_call', { tool_name: 'calculator', tool_call_id: 'c1', tool_count: 1, input: { expression: '1250 * 1.2' } }, ada)),
    'Ada (Analysts) calls calculator({"expression":"1250 * 1.2"})');
  t.is(p.apply(ev('llm', 'tool_result', { tool_name: 'calculator', tool_call_id: 'c1', is_error: false, result: '1500' }, ada)), 'Ada (Analysts) ← calculator: 1500');
  const long = p.apply(ev('llm', 'tool_result', { tool_name: 'http_request', tool_call_id: 'c2', is_error: false, result: { status: 200, body: 'x'.repeat(500) } }, ada))!;
  t.true(long.startsWith('Ada (Analysts) ← http_request: {"status":200,"body":"xxx'));
  t.true(long.endsWith('…'));
  t.is(long.length, 'Ada (Analysts) ← http_request: '.length + 80);
  t.is(p.apply(ev('llm', 'tool_result', { tool_name: 'http_request', tool_call_id: 'c3', is_error: true, result: 'refused: 10.0.0.1 is private' }, ada)),
    'Ada (Analysts) ← http_request failed: refused: 10.0.0.1 is private');
  t.is(p.apply(ev('llm', 'tool_call', { tool_name: 'worker_Ada', tool_call_id: 'c4', tool_count: 1, input: { task: 't' } }, ts)), 'Supervisor (Analysts) calls worker_Ada');
  t.is(p.apply(ev('llm', 'tool_result', { tool_name: 'worker_Ada', tool_call_id: 'c4', is_error: false, result: 'done', status: 'completed' }, ts)), undefined);
});

test("elapsed time is the run's own (its events' timestamps): a replay of an ended run reads as the run went", (t) => {
  const p = new RunProgress();
  const at = (ms: number) => new Date(Date.UTC(2026, 2, 14, 9, 0, 0) + ms).toISOString();
  const timed = (category: string, action: string, ms: number) => ({ ...ev(category, action, {}), timestamp: at(ms) });
  p.apply(timed('lifecycle', 'started', 0));
  p.apply(timed('llm', 'stream', 4_000));
  t.true(p.elapsedMs >= 4_000);
  p.apply(timed('lifecycle', 'completed', 11_600));
  t.is(p.elapsedMs, 11_600, 'replayed in a moment, it took 11.6 s');
  t.regex(p.status(), / · 11\.6s$/);
});
