/** The bench's client processes: splits a scenario's streams over them and merges what they count. */
import type { ChildProcess } from 'node:child_process';
import { ask, forkChild, stopChild } from './child-processes.ts';
import { mergeCounters, type ClientReply, type HistoryJob, type HistoryResult, type PeerJob, type StreamCounters, type StreamsJob } from './protocol.ts';

export interface StreamsSpec {
  start?: { hierarchyId: string; count: number; taskPrefix: string };
  runIds?: number[];
  subscribersPerRun: number;
  deadlineMs: number;
  /** Several processes of one target: runs started and followed round-robin through them (StreamsJob.bases). */
  bases?: string[];
  /** Use only this many of the pool's clients (1 run needs 1). */
  clients?: number;
  /** Runs on the LangGraph peer (StreamsJob.peer); `base` is then the peer's origin. */
  peer?: PeerJob;
}

export interface StreamsOutcome {
  counters: StreamCounters;
  /** Streams the spec asked for (counters.streams is how many were opened before any deadline). */
  requested: number;
  /** From handing out the jobs until the last client reported every stream closed. */
  wallMs: number;
  clientErrors: string[];
}

/** Splits n into `parts` near-equal integers (larger first). */
function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export class ClientPool {
  readonly #clients: ChildProcess[] = [];
  #jobId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const client = forkChild('./client.ts');
      // Every job in flight holds a 'message' and an 'exit' listener until answered (ask() removes
      // them): a case that hands out many small jobs (owner-follow.ts) is no leak.
      client.setMaxListeners(0);
      this.#clients.push(client);
    }
  }

  get size(): number {
    return this.#clients.length;
  }

  async #run(client: ChildProcess, job: StreamsJob | HistoryJob): Promise<ClientReply> {
    // The client enforces the deadline itself; the extra minute covers its closing and report.
    return ask(client, job, (r): r is ClientReply => (r as ClientReply).jobId === job.jobId, job.deadlineMs + 60_000);
  }

  async streams(base: string, spec: StreamsSpec): Promise<StreamsOutcome> {
    const n = Math.max(1, Math.min(spec.clients ?? this.#clients.length, this.#clients.length));
    const jobs: StreamsJob[] = [];
    const common = { type: 'streams' as const, base, ...(spec.bases ? { bases: spec.bases } : {}), ...(spec.peer ? { peer: spec.peer } : {}), deadlineMs: spec.deadlineMs, connectConcurrency: 64 };
    if (spec.start) {
      split(spec.start.count, n).forEach((count, i) => {
        if (count > 0) jobs.push({ ...common, jobId: ++this.#jobId, subscribersPerRun: spec.subscribersPerRun, start: { ...spec.start!, taskPrefix: `${spec.start!.taskPrefix} c${i}`, count } });
      });
    } else if (spec.subscribersPerRun >= n) {
      // Many subscribers per run: every client follows every run with its share of them.
      for (const share of split(spec.subscribersPerRun, n)) jobs.push({ ...common, jobId: ++this.#jobId, runIds: spec.runIds ?? [], subscribersPerRun: share });
    } else {
      const ids = spec.runIds ?? [];
      for (let i = 0; i < n; i++) {
        const mine = ids.filter((_, k) => k % n === i);
        if (mine.length > 0) jobs.push({ ...common, jobId: ++this.#jobId, runIds: mine, subscribersPerRun: spec.subscribersPerRun });
      }
    }
    const t0 = performance.now();
    const replies = await Promise.all(jobs.map((job, i) => this.#run(this.#clients[i]!, job)));
    const wallMs = performance.now() - t0;
    const counters: StreamCounters[] = [];
    const clientErrors: string[] = [];
    for (const r of replies) {
      if (r.type === 'streams') counters.push(r.counters);
      else if (r.type === 'failed') clientErrors.push(r.error);
    }
    const requested = (spec.start?.count ?? spec.runIds?.length ?? 0) * spec.subscribersPerRun;
    return { counters: mergeCounters(counters), requested, wallMs, clientErrors };
  }

  async history(base: string, runId: number, repeats: number, deadlineMs: number): Promise<HistoryResult> {
    const reply = await this.#run(this.#clients[0]!, { type: 'history', jobId: ++this.#jobId, base, runId, repeats, pageLimit: 1000, deadlineMs });
    if (reply.type === 'failed') throw new Error(`history client failed: ${reply.error}`);
    if (reply.type !== 'history') throw new Error(`history client answered ${reply.type}`);
    return reply.result;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#clients.map((c) => stopChild(c, 5000)));
  }
}
