/**
 * Messages between the bench parent and its forked client processes, and the counters a client
 * reports. Plain JSON over the IPC channel, so every field is serialisable.
 */

/** Follow SSE streams: start `start.count` runs first (and follow them), or follow existing runs. */
export interface StreamsJob {
  type: 'streams';
  jobId: number;
  /** API base, e.g. http://127.0.0.1:1234/api/executor/v1 */
  base: string;
  /**
   * Several processes of one target (sharing Redis and a database): run i is started through
   * bases[i % n] and followed through bases[(i + 1) % n], so every stream crosses processes.
   */
  bases?: string[];
  start?: { hierarchyId: string; count: number; taskPrefix: string };
  runIds?: number[];
  subscribersPerRun: number;
  /** The client gives up (and says so) after this long. */
  deadlineMs: number;
  /** Concurrent connection attempts per client: more would overflow the server's accept backlog. */
  connectConcurrency: number;
  /**
   * The LangGraph peer instead of Cadre's API: each of start.count runs is one POST /runs/stream
   * (peer-follower.ts); hierarchyId is unused, runIds are the client's own ordinals.
   */
  peer?: PeerJob;
}

export interface PeerJob {
  assistantId: string;
  configurable: Record<string, unknown>;
  expectedChunks: number;
}

/** Time `runs/events` (all pages) and an SSE replay of one ended run, `repeats` times each. */
export interface HistoryJob {
  type: 'history';
  jobId: number;
  base: string;
  runId: number;
  repeats: number;
  pageLimit: number;
  deadlineMs: number;
}

export type ClientJob = StreamsJob | HistoryJob;

/** Sparse latency histogram: [milliseconds, count] pairs, 1 ms buckets. */
export type Histogram = Array<[number, number]>;

export interface StreamCounters {
  /** Streams asked for / that ended with a terminal event, `event: close` and no sequence fault. */
  streams: number;
  complete: number;
  events: number;
  bytes: number;
  /** Frames whose run_id is not the run the stream was opened for (must be 0). */
  crossRun: number;
  /** Sequence faults: a frame whose sequence is not the previous one + 1 (first must be 1). */
  gaps: number;
  /** Streams that ended without a terminal lifecycle event. */
  missingTerminal: number;
  /** Frames after the terminal event (must be 0). */
  afterTerminal: number;
  reconnects: number;
  /** Events whose timestamp predates the stream's connection: history, not live delivery. */
  replayed: number;
  latency: Histogram;
  latencyMax: number;
  /** Epoch ms: first connection attempt, first and last stream end. */
  firstConnectAt: number;
  firstEndAt: number;
  lastEndAt: number;
  /** Epoch ms when the last stream got its response headers (all subscribers connected). */
  allConnectedAt: number;
  errors: string[];
  runIds: number[];
  timedOut: boolean;
}

export interface HistoryResult {
  /** Milliseconds per repeat for all pages of runs/events, and events returned by each. */
  eventsMs: number[];
  eventsCount: number[];
  pages: number;
  replayMs: number[];
  replay: StreamCounters;
  errors: string[];
}

export type ClientReply =
  | { type: 'streams'; jobId: number; counters: StreamCounters }
  | { type: 'history'; jobId: number; result: HistoryResult }
  | { type: 'failed'; jobId: number; error: string };

/** Server wrappers (Cadre host, in-memory baseline) answer these over IPC. */
export type ServerRequest =
  | { type: 'memory'; reqId: number }
  | { type: 'workload'; reqId: number; workload: BaselineWorkload }
  | { type: 'reset'; reqId: number };

export type ServerReply =
  | { type: 'memory'; reqId: number; usage: NodeJS.MemoryUsage }
  | { type: 'workload'; reqId: number; hierarchyId: string }
  | { type: 'reset'; reqId: number }
  | { type: 'error'; reqId: number; error: string };

/** One event as a Cadre run emitted it, minus what the sink stamps (run_id, sequence, timestamp). */
export interface TemplateEvent {
  source: unknown;
  event: { category: string; action: string };
  data: unknown;
  /** Milliseconds after the run's first event (paced replay). */
  offsetMs: number;
}

/** What the in-memory baseline replays for each run it is asked to start. */
export interface BaselineWorkload {
  events: TemplateEvent[];
  /**
   * 'tick': one event per event-loop turn (token_delay_ms 0); 'batch': BATCH_PER_TICK events per
   * run per loop turn, one write per subscriber (the batched ceiling); 'timeline': at the template's offsets.
   */
  pacing: 'tick' | 'batch' | 'timeline';
}

export function emptyCounters(): StreamCounters {
  return {
    streams: 0, complete: 0, events: 0, bytes: 0, crossRun: 0, gaps: 0, missingTerminal: 0, afterTerminal: 0,
    reconnects: 0, replayed: 0, latency: [], latencyMax: 0, firstConnectAt: 0, firstEndAt: 0, lastEndAt: 0, allConnectedAt: 0,
    errors: [], runIds: [], timedOut: false,
  };
}

/** Sums counters of several clients (histograms merged, times widened). */
export function mergeCounters(all: StreamCounters[]): StreamCounters {
  const out = emptyCounters();
  const hist = new Map<number, number>();
  for (const c of all) {
    for (const key of ['streams', 'complete', 'events', 'bytes', 'crossRun', 'gaps', 'missingTerminal', 'afterTerminal', 'reconnects', 'replayed'] as const) {
      out[key] += c[key];
    }
    for (const [ms, n] of c.latency) hist.set(ms, (hist.get(ms) ?? 0) + n);
    out.latencyMax = Math.max(out.latencyMax, c.latencyMax);
    if (c.firstConnectAt && (!out.firstConnectAt || c.firstConnectAt < out.firstConnectAt)) out.firstConnectAt = c.firstConnectAt;
    if (c.firstEndAt && (!out.firstEndAt || c.firstEndAt < out.firstEndAt)) out.firstEndAt = c.firstEndAt;
    out.lastEndAt = Math.max(out.lastEndAt, c.lastEndAt);
    out.allConnectedAt = Math.max(out.allConnectedAt, c.allConnectedAt);
    out.errors.push(...c.errors.slice(0, 5));
    out.runIds.push(...c.runIds);
    out.timedOut ||= c.timedOut;
  }
  out.latency = [...hist.entries()].sort((a, b) => a[0] - b[0]);
  return out;
}

/** Percentile (0..100) of a sparse histogram; undefined when it is empty. */
export function percentile(hist: Histogram, p: number): number | undefined {
  const total = hist.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const [ms, c] of hist) {
    seen += c;
    if (seen >= rank) return ms;
  }
  return hist.at(-1)![0];
}
