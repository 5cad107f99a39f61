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
  ev('dispatch', 'worker_completed', { ok: true }, ts),
  ev('dispatch', 'team_completed', { ok: true }, gs),
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
    'Supervisor (Analysts) worker done', 'Global Supervisor team done', 'completed',
  ]);
});
