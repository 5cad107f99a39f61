/**
 * A target's server as a child process of the bench, on a free loopback port with a scratch
 * directory of its own: what the Cadre and LangGraph peer targets share. It launches the script
 * and waits until it answers healthy (failing fast if it exits meanwhile), reads its memory
 * over IPC (the launcher answers after a full gc) and its CPU time, and stops it and removes the
 * directory. What the server is and how its API is driven stay with each target.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, forkChild, stopChild } from '../child-processes.ts';
import type { ServerReply } from '../protocol.ts';
import { freePort, processCpuMs, waitHealthy } from './target.ts';

export interface ForkedServerSpec {
  /** Names it in the error when it exits while starting, e.g. 'Cadre server'. */
  label: string;
  /** The script, relative to bench/. */
  script: string;
  /** Its scratch directory's name prefix, under the OS temp directory. */
  dirPrefix: string;
  execArgv: string[];
  /** Its environment, given the port it is to listen on and its scratch directory. */
  env: (port: number, dir: string) => NodeJS.ProcessEnv;
  /** The path that answers 200 once it serves. */
  healthPath: string;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs: number;
}

export class ForkedServer {
  readonly #spec: ForkedServerSpec;
  #child?: ChildProcess;
  #dir?: string;
  #reqId = 0;

  constructor(spec: ForkedServerSpec) {
    this.#spec = spec;
  }

  /** Starts the server; resolves its origin (http://127.0.0.1:port) once it is healthy. */
  async launch(): Promise<string> {
    const spec = this.#spec;
    const port = await freePort();
    this.#dir = await mkdtemp(join(tmpdir(), spec.dirPrefix));
    const child = forkChild(spec.script, { execArgv: spec.execArgv, env: spec.env(port, this.#dir) });
    this.#child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${spec.label} exited (${code}) while starting`))));
    const origin = `http://127.0.0.1:${port}`;
    await Promise.race([waitHealthy(`${origin}${spec.healthPath}`, 60_000), exited]);
    return origin;
  }

  async memory(): Promise<NodeJS.MemoryUsage> {
    const reqId = ++this.#reqId;
    const reply = await ask(this.#child!, { type: 'memory', reqId }, (r): r is ServerReply => (r as ServerReply).reqId === reqId, 60_000);
    if (reply.type !== 'memory') throw new Error(`memory: ${reply.type === 'error' ? reply.error : reply.type}`);
    return reply.usage;
  }

  /** The server's OS pid, undefined before launch. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  cpuMs(): Promise<number> {
    return processCpuMs(this.#child?.pid);
  }

  async stop(): Promise<void> {
    if (this.#child) await stopChild(this.#child, this.#spec.stopGraceMs);
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }
}
