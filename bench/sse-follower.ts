/**
 * Follows Cadre's SSE streams and checks every frame: run_id, sequence continuity, the terminal
 * event, `event: close`. The connection, framing and counting are follower-core.ts's; this is
 * what Cadre's frames mean, with a cheap parser so the client is not the bottleneck it measures.
 */
import { get } from 'node:http';
import { followStream, sseFields, type Follower } from './follower-core.ts';
import type { Tally } from './stream-tally.ts';

const MAX_RECONNECTS = 5;
const TERMINAL = new Set(['lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled']);

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
export function follow(url: string, runId: number, opts: FollowOptions): Follower {
  const { tally } = opts;
  const c = tally.counters;
  let lastSeq = 0;
  let terminal = false;
  let closed = false;
  let faulted = false;
  let giveUp = false;
  let retried = -1;

  return followStream(tally, {
    open: (onResponse) => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastSeq > 0) headers['last-event-id'] = String(lastSeq);
      return get(url, { agent: false, headers }, onResponse);
    },
    frame: (block, connectedAt) => {
      const fields = sseFields(block);
      if (!fields) return;
      const { event, data } = fields;
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
    },
    refused: (status) => {
      tally.error(`stream ${runId}: HTTP ${status}`);
      faulted = true;
      giveUp = true;
    },
    ended: ({ why, attempt, stopped }) => {
      if (retried === attempt) return 'ignore'; // 'error' and 'close' of the same attempt
      retried = attempt;
      if (closed || stopped || giveUp || attempt > MAX_RECONNECTS) {
        if (!closed && !stopped && !giveUp) tally.error(`stream ${runId}: gave up after ${attempt} attempts: ${why}`);
        return 'finish';
      }
      return 'retry';
    },
    finished: () => {
      if (!terminal) c.missingTerminal++;
      if (terminal && closed && !faulted) c.complete++;
    },
  }, opts.onConnected);
}
