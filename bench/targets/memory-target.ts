/**
 * A replaying baseline as a bench target, in its own process: the in-memory one
 * (memory-server.ts, the default) or the raw Redis one (redis-raw-server.ts), which speak the
 * same IPC and HTTP.
 */
import type { ChildProcess } from 'node:child_process';
import { ask, forkChild, stopChild } from '../child-processes.ts';
import type { ServerReply } from '../protocol.ts';
import { processCpuMs, waitHealthy, type Target, type Workload } from './target.ts';

export interface ReplayServer {
  name: string;
  /** The server script, relative to bench/. */
  script: string;
  env?: Record<string, string>;
  /** How its producers emit at token_delay_ms 0 (default `tick`: one event per loop turn); see memory-server.ts. */
  pacing?: 'tick' | 'batch';
}

export class MemoryTarget implements Target {
  readonly name: string;
  readonly needsTemplate = true;
  base = '';
  readonly #server: ReplayServer;
  #child?: ChildProcess;
  #reqId = 0;

  constructor(server: ReplayServer = { name: 'baseline', script: './targets/memory-server.ts' }) {
    this.#server = server;
    this.name = server.name;
  }

  async launch(): Promise<void> {
    this.#child = forkChild(this.#server.script, { execArgv: ['--expose-gc'], env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...this.#server.env } });
    const listening = await ask(this.#child, undefined, (m): m is { type: 'listening'; port: number } => (m as { type?: string }).type === 'listening', 30_000);
    const origin = `http://127.0.0.1:${listening.port}`;
    await waitHealthy(`${origin}/health`, 10_000);
    this.base = `${origin}/api/executor/v1`;
  }

  async #request(msg: { type: 'memory' | 'reset' } | { type: 'workload'; workload: unknown }): Promise<ServerReply> {
    const reqId = ++this.#reqId;
    const reply = await ask(this.#child!, { ...msg, reqId }, (r): r is ServerReply => (r as ServerReply).reqId === reqId, 60_000);
    if (reply.type === 'error') throw new Error(`${this.name} ${msg.type}: ${reply.error}`);
    return reply;
  }

  async prepare(w: Workload): Promise<string> {
    if (!w.template?.length) throw new Error(`${this.name} workload ${w.name} has no template to replay`);
    // Paced like the model: one event per loop turn at token_delay_ms 0, else on Cadre's timeline.
    const reply = await this.#request({ type: 'workload', workload: { events: w.template, pacing: w.tokenDelayMs === 0 ? this.#server.pacing ?? 'tick' : 'timeline' } });
    if (reply.type !== 'workload') throw new Error(`${this.name} workload: unexpected ${reply.type}`);
    return reply.hierarchyId;
  }

  async memory(): Promise<NodeJS.MemoryUsage> {
    const reply = await this.#request({ type: 'memory' });
    if (reply.type !== 'memory') throw new Error(`${this.name} memory: unexpected ${reply.type}`);
    return reply.usage;
  }

  cpuMs(): Promise<number> {
    return processCpuMs(this.#child?.pid);
  }

  /** A baseline run produces from the moment it is started. */
  async waitRunning(): Promise<boolean> {
    return true;
  }

  /** Forgets every run (stops their producers): scenarios run one after another. */
  async cancel(): Promise<void> {
    await this.#request({ type: 'reset' });
  }

  async recover(): Promise<void> {
    await this.#request({ type: 'reset' });
  }

  async storedEvents(): Promise<undefined> {
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.#child) await stopChild(this.#child, 10_000);
  }
}
