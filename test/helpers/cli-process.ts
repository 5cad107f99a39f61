import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The `cadre` command exactly as npm installs it (bin/cadre.js), run as a child process. */
export const CADRE_BIN = fileURLToPath(new URL('../../bin/cadre.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Settles with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Waits until `predicate(this)` holds, polling output as it arrives; fails after `timeoutMs`. */
  until(predicate: (run: CliRun) => boolean, timeoutMs?: number): Promise<void>;
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): CliRun {
  const child = spawn(process.execPath, [CADRE_BIN, ...args], {
    env: { ...process.env, CADRE_URL: undefined, CADRE_API_KEY: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const waiters = new Set<() => void>();
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    // 'close', not 'exit': by then stdout and stderr are read to their end.
    exited: once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string),
    async until(predicate, waitMs = 30_000) {
      if (predicate(run)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${waitMs} ms waiting on the CLI; stdout: ${run.stdout.slice(-500)} stderr: ${run.stderr.slice(-500)}`));
        }, waitMs);
        const check = () => {
          if (!predicate(run)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        void run.exited.then(() => setImmediate(() => {
          if (waiters.has(check)) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the CLI exited before the awaited output; stdout: ${run.stdout.slice(-500)} stderr: ${run.stderr.slice(-500)}`));
          }
        }));
      });
    },
  };
  const wake = () => [...waiters].forEach((w) => w());
  child.stdout!.setEncoding('utf8').on('data', (text: string) => { run.stdout += text; wake(); });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => { run.stderr += text; wake(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  void run.exited.then(() => clearTimeout(killer));
  return run;
}

/** Runs the CLI to its end: exit code and whole output. */
export async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}
