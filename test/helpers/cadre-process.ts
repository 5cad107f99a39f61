import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** One key for every process a test file starts (they share a database), so no key file lands in the temp dir. */
const SECRETS_KEY = randomBytes(32).toString('base64');

/** A real Cadre process (`node src/main.ts`, what `npm start` runs) on an ephemeral port. */
export interface CadreProcess {
  child: ChildProcess;
  url: string;
  /** The id it owns runs under (cadre_process.id), from its start-up log. */
  processId: string;
  logs: string[];
  post(action: string, body: unknown): Promise<{ status: number; body: any }>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

const START_DEADLINE_MS = 60_000;

export async function startCadre(env: Record<string, string>): Promise<CadreProcess> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { ...process.env, SECRETS_KEY, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '2000', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  let processId = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" within ${START_DEADLINE_MS} ms: ${logs.join('\n')}`)), START_DEADLINE_MS);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`cadre exited early (${code}): ${logs.join('\n')}`)); });
    lines.on('line', (line) => {
      logs.push(line);
      // Log lines are JSON (pino): the field order is the logger's, so read them as JSON.
      const entry = line.startsWith('{') ? JSON.parse(line) as { msg?: string; process_id?: string } : {};
      if (entry.msg === 'process registered' && entry.process_id) processId = entry.process_id;
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    });
  });
  // "process registered" is logged before "listening": both come from the start-up sequence.
  if (!processId) throw new Error(`no process id logged: ${logs.join('\n')}`);
  return {
    child, url, processId, logs,
    async post(action, body) {
      const res = await fetch(`${url}/api/executor/v1/${action}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `deadlineMs`. */
export async function pollUntil<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Every event of a run through runs/events (pages of 1000). */
export async function allEvents(p: CadreProcess, runId: number): Promise<Array<{ id: string; sequence: number; event: { category: string; action: string }; data: any }>> {
  const events: any[] = [];
  for (let start = '-'; ;) {
    const page = await p.post('runs/events', { id: runId, start_id: start, end_id: '+', limit: 1000 });
    if (page.status !== 200) throw new Error(`runs/events ${runId}: ${page.status} ${JSON.stringify(page.body)}`);
    events.push(...page.body.data.events);
    if (!page.body.data.has_more) return events;
    start = page.body.data.next_id;
  }
}

/** Sequences 1..n without gap or duplicate, the last one terminal (and only the last). */
export function checkLog(events: Array<{ sequence: number; event: { category: string; action: string } }>): string | null {
  if (events.length === 0) return 'no events';
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.sequence !== i + 1) return `sequence ${events[i]!.sequence} at position ${i + 1}`;
  }
  const terminal = (e: { event: { category: string; action: string } }) => e.event.category === 'lifecycle' && ['completed', 'failed', 'cancelled'].includes(e.event.action);
  if (!terminal(events.at(-1)!)) return `last event is ${events.at(-1)!.event.category}.${events.at(-1)!.event.action}`;
  if (events.slice(0, -1).some(terminal)) return 'a terminal event before the last';
  return null;
}

/**
 * A run's events once its log is complete: its owner records the end just before it appends the
 * terminal event, so a reader that saw the end recorded may have to wait a moment for it.
 * Returns what is stored at the deadline otherwise (checkLog then says what is wrong).
 */
export async function settledEvents(p: CadreProcess, runId: number, deadlineMs = 5000): Promise<Awaited<ReturnType<typeof allEvents>>> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const events = await allEvents(p, runId);
    if (checkLog(events) === null || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
