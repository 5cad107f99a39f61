import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** One key for every process a test file starts (they share a database), so no key file lands in the temp dir. */
const SECRETS_KEY = randomBytes(32).toString('base64');

/** The real process entry (`node src/main.ts`, what `npm start` runs) as a child process. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  port: number;
  logs: string[];
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

/** Starts the service on `port` (0: any free one) and resolves once it logs where it listens. */
export async function startServiceProcess(env: Record<string, string>, port = 0, timeoutMs = 60_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { ...process.env, SECRETS_KEY, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start within ${timeoutMs} ms: ${logs.join('\n')}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited early (${code}): ${logs.join('\n')}`));
    });
    lines.on('line', (line) => {
      logs.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    logs,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    },
  };
}
