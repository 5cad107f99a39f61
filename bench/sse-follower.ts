/**
 * Follows SSE streams and checks every frame: run_id, sequence continuity, the terminal event,
 * `event: close`. Uses node:http with its own connection per stream (agent: false), as an
 * EventSource does, and a cheap parser so the client is not the bottleneck it measures.
 */
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import type { StreamCounters } from './protocol.ts';

const MAX_RECONNECTS = 5;
const MAX_LATENCY_MS = 600_000;
const TERMINAL = new Set(['lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled']);

/** Counting state shared by all streams of one job (one client process). */
export class Tally {
  readonly counters: StreamCounters;
  /** Dense 1 ms histogram; turned sparse when reported. */
  readonly #hist = new Uint32Array(MAX_LATENCY_MS + 1);

  constructor(counters: StreamCounters) {
    this.counters = counters;
  }
  latency(ms: number): void {
    const bucket = ms < 0 ? 0 : ms > MAX_LATENCY_MS ? MAX_LATENCY_MS : ms;
    this.#hist[bucket]!++;
    if (ms > this.counters.latencyMax) this.counters.latencyMax = ms;
  }
  error(message: string): void {
    if (this.counters.errors.length < 20) this.counters.errors.push(message);
  }
  report(): StreamCounters {
    const sparse: Array<[number, number]> = [];
    for (let ms = 0; ms <= MAX_LATENCY_MS; ms++) if (this.#hist[ms]) sparse.push([ms, this.#hist[ms]!]);
    return { ...this.counters, latency: sparse };
  }
}

interface Head { runId: number; timestamp: string; sequence: number }

const PREFIX = '{"run_id":';
const TS = ',"timestamp":"';
const SEQ = '","sequence":';

/** Reads a non-negative integer at `at`; returns [value, index after it] or undefined. */
function digitsAt(s: string, at: number): [number, number] | undefined {
  let i = at;
  let n = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  return i > at ? [n, i] : undefined;
}

/**
 * run_id, timestamp and sequence of an event's JSON. Fast path for the layout the sink writes
 * today (those keys first, in that order), verified character by character; anything else is
 * fully parsed, so a changed layout costs speed, never correctness.
 */
export function parseHead(data: string): Head {
  if (data.startsWith(PREFIX)) {
    const run = digitsAt(data, PREFIX.length);
    if (run && data.startsWith(TS, run[1])) {
      const tsStart = run[1] + TS.length;
      const tsEnd = data.indexOf('"', tsStart);
      if (tsEnd > 0 && data.startsWith(SEQ, tsEnd)) {
        const seq = digitsAt(data, tsEnd + SEQ.length);
        if (seq && (data[seq[1]] === ',' || data[seq[1]] === '}')) {
          return { runId: run[0], timestamp: data.slice(tsStart, tsEnd), sequence: seq[0] };
        }
      }
    }
  }
  const e = JSON.parse(data) as { run_id: number; timestamp: string; sequence: number };
  return { runId: e.run_id, timestamp: e.timestamp, sequence: e.sequence };
}

export interface FollowOptions {
  /** Counts latency only for events stamped after the connection opened (live delivery). */
  tally: Tally;
  /** Called once per connection attempt when it has its answer (or failed): frees a connect slot. */
  onConnected?: () => void;
}

/**
 * Follows one run's stream to its end. Resumes with Last-Event-ID when the connection drops
 * before `event: close` (as EventSource does), at most MAX_RECONNECTS times. Resolves whether
 * or not the stream completed; the tally says which. `stop()` ends it early (deadline).
 */
export function follow(url: string, runId: number, opts: FollowOptions): { done: Promise<void>; stop: () => void } {
  const { tally } = opts;
  const c = tally.counters;
  c.streams++;
  let lastSeq = 0;
  let terminal = false;
  let closed = false;
  let faulted = false;
  let attempts = 0;
  let stopped = false;
  let giveUp = false;
  let finished = false;
  let request: ClientRequest | undefined;
  let settle!: () => void;
  const done = new Promise<void>((resolve) => { settle = resolve; });

  const finish = () => {
    if (finished) return;
    finished = true;
    const now = Date.now();
    if (!c.firstEndAt) c.firstEndAt = now;
    c.lastEndAt = Math.max(c.lastEndAt, now);
    if (!terminal) c.missingTerminal++;
    if (terminal && closed && !faulted) c.complete++;
    settle();
  };

  const onFrame = (block: string, connectedAt: number) => {
    if (block.charCodeAt(0) === 58) return; // ":" comment (heartbeat)
    let event = '';
    let data: string | undefined;
    let start = 0;
    while (start < block.length) {
      let end = block.indexOf('\n', start);
      if (end < 0) end = block.length;
      if (block.startsWith('data: ', start)) data = block.slice(start + 6, end);
      else if (block.startsWith('event: ', start)) event = block.slice(start + 7, end);
      start = end + 1;
    }
    if (event === 'close') {
      closed = true;
      return;
    }
    if (data === undefined || event === 'error') {
      if (event === 'error') tally.error(`stream ${runId}: server error frame ${data ?? ''}`);
      return;
    }
    const head = parseHead(data);
    c.events++;
    if (head.runId !== runId) c.crossRun++;
    if (terminal) c.afterTerminal++;
    if (head.sequence !== lastSeq + 1) {
      c.gaps++;
      faulted = true;
    }
    lastSeq = head.sequence;
    if (TERMINAL.has(event)) terminal = true;
    const stamped = Date.parse(head.timestamp);
    if (stamped < connectedAt) c.replayed++;
    else tally.latency(Date.now() - stamped);
  };

  const connect = () => {
    if (stopped) return finish();
    attempts++;
    if (!c.firstConnectAt) c.firstConnectAt = Date.now();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastSeq > 0) headers['last-event-id'] = String(lastSeq);
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      opts.onConnected?.();
    };
    request = get(url, { agent: false, headers }, (res: IncomingMessage) => {
      answer();
      const connectedAt = Date.now();
      c.allConnectedAt = Math.max(c.allConnectedAt, connectedAt);
      if (res.statusCode !== 200) {
        tally.error(`stream ${runId}: HTTP ${res.statusCode}`);
        faulted = true;
        giveUp = true;
        res.resume();
        res.on('close', () => retryOrFinish('HTTP error'));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        c.bytes += chunk.length;
        buffer += chunk;
        let from = 0;
        let end: number;
        while ((end = buffer.indexOf('\n\n', from)) >= 0) {
          onFrame(buffer.slice(from, end), connectedAt);
          from = end + 2;
        }
        buffer = from === 0 ? buffer : buffer.slice(from);
      });
      res.on('close', () => retryOrFinish('response closed'));
    });
    request.on('error', (err) => {
      answer();
      retryOrFinish(err.message);
    });
  };

  let retried = -1;
  const retryOrFinish = (why: string) => {
    if (retried === attempts) return; // 'error' and 'close' of the same attempt
    retried = attempts;
    if (closed || stopped || giveUp || attempts > MAX_RECONNECTS) {
      if (!closed && !stopped && !giveUp) tally.error(`stream ${runId}: gave up after ${attempts} attempts: ${why}`);
      finish();
      return;
    }
    c.reconnects++;
    // A short pause, as EventSource's retry: a refused connection is not hammered.
    setTimeout(connect, 200);
  };

  connect();
  return {
    done,
    stop: () => {
      stopped = true;
      request?.destroy();
    },
  };
}
