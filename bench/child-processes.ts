/**
 * Forked children of the bench (servers and clients), with request/reply over IPC and one
 * registry so every child is stopped when the bench ends — normally, on error, or on Ctrl-C.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();
/** Set once the bench is stopping: nothing new is started (e.g. a target's recovery restart). */
let stopping = false;

export interface ForkOptions {
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Forks a bench script (path relative to bench/); its output goes to our stderr, keeping stdout for the table. */
export function forkChild(script: string, opts: ForkOptions = {}): ChildProcess {
  if (stopping) throw new Error(`the bench is stopping: ${script} not started`);
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: opts.execArgv ?? [],
    env: opts.env ?? process.env,
    stdio: ['ignore', 2, 2, 'ipc'],
    // Own process group: a Ctrl-C reaches the bench only, which then stops children in order
    // (a server gets SIGTERM and can write its CPU profile).
    detached: true,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Sends `msg` and resolves with the first message `match` accepts; rejects if the child exits first or on timeout. */
export function ask<T>(child: ChildProcess, msg: unknown, match: (reply: unknown) => reply is T, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (reply: unknown) => {
      if (!match(reply)) return;
      cleanup();
      resolve(reply);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${signal ?? code}) before answering`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child ${child.pid} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (msg !== undefined) child.send(msg as object);
  });
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every child still running (used by the bench's finally and signal handlers). */
export async function stopAll(graceMs = 15_000): Promise<void> {
  stopping = true;
  await Promise.all([...live].map((c) => stopChild(c, graceMs)));
}

// Last resort: if the bench exits without stopping them, children must not outlive it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
