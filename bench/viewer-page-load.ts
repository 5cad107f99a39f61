/**
 * How long the viewer's pages take with a big run: the real server (src/main.ts on a SQLite file
 * of its own), one ended run of about `--events` events (simulated model, no delay), then headless
 * Chromium opens the run page and the runs list `--loads` times each. A page counts as loaded
 * when it shows what a user came for: the run page its status, its trace waterfall rows and its
 * newest timeline rows; the list its runs. Prints the median and the worst, in ms.
 *
 *   npm run bench:viewer -- [--events 10000] [--loads 5]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000' }, loads: { type: 'string', default: '5' } } });
const wantedEvents = Number(values.events);
const loads = Number(values.loads);
const API = '/api/executor/v1';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite://${join(dir, 'viewer-bench.db')}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      // Not listening yet: try again below.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the server did not answer /health within 60 s');
}

async function post(base: string, action: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${API}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json() as { success: boolean; data: unknown };
  if (!answer.success) throw new Error(`${action}: ${res.status} ${JSON.stringify(answer)}`);
  return answer.data;
}

/** One ended run of about `events` events: six agents on a simulated model with no delay. */
async function bigRun(base: string, events: number): Promise<{ id: number; events: number }> {
  // Each of the six agents' calls streams reply_tokens deltas; the supervisors call twice or so.
  const replyTokens = Math.max(10, Math.min(10_000, Math.round(events / 3)));
  const model = await post(base, 'models/create', { name: `viewer-bench-${Date.now()}`, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 0, reply_tokens: replyTokens } });
  const llm_config = { model_id: model.id };
  const agent = (name: string) => ({ system_prompt: `You are ${name}.`, llm_config });
  const hierarchy = await post(base, 'hierarchies/create', {
    name: `viewer-bench-${Date.now()}`, execution_mode: 'sequential', global_supervisor_agent: agent('the global supervisor'),
    teams: [
      { name: 'Analysts', team_supervisor_agent: agent('the analysts lead'), workers: [{ name: 'Ada', role: 'analyst', ...agent('Ada') }, { name: 'Bob', role: 'statistician', ...agent('Bob') }] },
      { name: 'Writers', team_supervisor_agent: agent('the editor'), workers: [{ name: 'Cy', role: 'writer', ...agent('Cy') }] },
    ],
  });
  const run = await post(base, 'runs/start', { hierarchy_id: hierarchy.id, task: 'A long run for the viewer bench' });
  const deadline = Date.now() + 300_000;
  for (;;) {
    const detail = await post(base, 'runs/get', { id: run.id });
    if (['completed', 'failed', 'cancelled'].includes(detail.status)) break;
    if (Date.now() > deadline) throw new Error(`run ${run.id} did not end within 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const page = await post(base, 'runs/events', { id: run.id, limit: 1, order: 'desc' }).catch(() => null);
  const count = page?.events?.[0]?.sequence ?? (await post(base, 'runs/trace', { id: run.id })).last_sequence;
  return { id: run.id, events: Number(count) };
}

/** Milliseconds from navigation to `ready` holding in the page. */
async function timeLoad(page: Page, url: string, ready: string): Promise<number> {
  const began = performance.now();
  await page.goto(url);
  await page.waitForFunction(ready, undefined, { timeout: 60_000, polling: 'raf' });
  return performance.now() - began;
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, worst ${sorted.at(-1)!.toFixed(0)} ms (${sorted.map((m) => m.toFixed(0)).join(', ')})`;
}

const dir = await mkdtemp(join(tmpdir(), 'cadre-viewer-bench-'));
const port = await freePort();
const server = await startServer(dir, port);
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({
  executablePath: process.env.CADRE_TEST_CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const run = await bigRun(base, wantedEvents);
  console.log(`run ${run.id}: ${run.events} events`);
  const runReady = `document.querySelector('[data-testid=run-status]')?.textContent === 'completed'
    && document.querySelectorAll('[data-testid=trace-row]').length > 0
    && document.querySelectorAll('[data-testid=timeline-row]').length > 0
    && document.querySelector('[data-testid=connection]')?.textContent.trim().startsWith('ended')`;
  const listReady = `document.querySelectorAll('[data-testid=run-row]').length > 0`;
  const runTimes: number[] = [];
  const listTimes: number[] = [];
  for (let i = 0; i < loads; i += 1) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    runTimes.push(await timeLoad(page, `${base}/viewer/#/runs/${run.id}`, runReady));
    await page.close();
    const list = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    listTimes.push(await timeLoad(list, `${base}/viewer/#/`, listReady));
    await list.close();
  }
  console.log(`run page (${run.events} events): ${summary(runTimes)}`);
  console.log(`runs list: ${summary(listTimes)}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
}
