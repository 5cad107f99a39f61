/**
 * A target is a server process the bench drives with the same client code: Cadre, or a
 * baseline. Each speaks runs/start, runs/stream and runs/events over HTTP (see memory-server.ts
 * for the minimum); the parent side below knows how to launch it, make a workload ready, read
 * its memory and stop it. A new baseline (e.g. Redis XADD/XREAD) is one more implementation.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { TemplateEvent } from '../protocol.ts';

/** What runs of a scenario do: the simulated model's pace and length on Cadre; a replay on a baseline. */
export interface Workload {
  /** A short name for what it is for (model and hierarchy names). */
  name: string;
  tokenDelayMs: number;
  replyTokens: number;
  /** The simulated model's reasoning block (default true); off makes shorter runs. */
  reasoning?: boolean;
  /** A Cadre run's events, which a baseline replays (Cadre ignores it). */
  template?: TemplateEvent[];
}

export interface Target {
  readonly name: string;
  /** API base URL, set once launched. */
  readonly base: string;
  /** Whether the scenario needs a Cadre template first (baselines replay one). */
  readonly needsTemplate: boolean;
  launch(): Promise<void>;
  /** Makes the workload ready; returns the hierarchy id clients start runs with. */
  prepare(workload: Workload): Promise<string>;
  /** process.memoryUsage() of the server after a full gc. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** CPU time the server process has used so far, user + system, all its threads (ms; see processCpuMs). */
  cpuMs(): Promise<number>;
  /** Resolves once every run in `ids` is executing (not pending); false if `timeoutMs` passed first. */
  waitRunning(ids: number[], timeoutMs: number): Promise<boolean>;
  /**
   * Back to idle after a case that did not finish (deadline, error): its runs would otherwise
   * go on loading the machine during the next case. Cadre restarts its process; a baseline resets.
   */
  recover(): Promise<void>;
  /** Ends the given live runs (or forgets them, for a baseline). */
  cancel(ids: number[]): Promise<void>;
  /** Total events the target stored for these runs, if it can tell (a cross-check of delivery). */
  storedEvents(ids: number[]): Promise<number | undefined>;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU time process `pid` has used, user + system over all its threads (the SQLite writer thread
 * included), in ms, from /proc/<pid>/stat (fields 14 and 15, in clock ticks: 10 ms here).
 */
export async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) throw new Error('the server process has no pid (not launched)');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** A free loopback port: the server process is given it (Cadre's PORT; never the default 8082). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Polls GET url until it answers 200, for at most `timeoutMs`. */
export async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy within ${timeoutMs} ms (${last})`);
}
