/**
 * What every bench stream follower does whatever server it reads: one connection per attempt
 * (agent: false, as an EventSource), the response cut into SSE frames at blank lines, bytes and
 * connect/end times counted into the Tally, the connect slot freed once per attempt, `stop()`
 * for the deadline. What a frame means, how a connection is opened, whether a dropped one is
 * resumed and what makes a stream complete are the protocol's (sse-follower.ts for Cadre,
 * peer-follower.ts for the LangGraph peer).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Tally } from './stream-tally.ts';

/** How one connection attempt ended: its response closed, it was answered with an HTTP error, or its request failed. */
export interface AttemptEnd {
  kind: 'closed' | 'refused' | 'failed';
  /** 'response closed', 'HTTP error', or the request's error message. */
  why: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** stop() was called. */
  stopped: boolean;
}

/** 'ignore': this end was already answered (a request's 'error' and its response's 'close'). */
export type EndDecision = 'retry' | 'finish' | 'ignore';

export interface FollowerProtocol {
  /** Opens one connection attempt (request sent); the core reads the response. */
  open(onResponse: (res: IncomingMessage) => void): ClientRequest;
  /** One SSE frame, the text before its blank line; `connectedAt`: when this attempt was answered. */
  frame(block: string, connectedAt: number): void;
  /** The attempt was answered with a status other than 200. */
  refused(status: number | undefined): void;
  /** Called for every end event of an attempt; 'retry' connects again after a short pause. */
  ended(end: AttemptEnd): EndDecision;
  /** Counts the stream's outcome (complete, terminal missing, gaps) once, when it finishes. */
  finished(): void;
}

export interface Follower {
  done: Promise<void>;
  stop: () => void;
}

/** The event name and data of one SSE frame, or undefined for a comment (heartbeat) frame. */
export function sseFields(block: string): { event: string; data: string | undefined } | undefined {
  if (block.charCodeAt(0) === 58) return undefined; // ":"
  let event = '';
  let data: string | undefined;
  let start = 0;
  // indexOf rather than split: no array per frame, the client must not be what is measured.
  while (start < block.length) {
    let end = block.indexOf('\n', start);
    if (end < 0) end = block.length;
    if (block.startsWith('data: ', start)) data = block.slice(start + 6, end);
    else if (block.startsWith('event: ', start)) event = block.slice(start + 7, end);
    start = end + 1;
  }
  return { event, data };
}

/** Follows one stream until the protocol finishes it (or stop()); resolves whether or not it completed. */
export function followStream(tally: Tally, protocol: FollowerProtocol, onConnected?: () => void): Follower {
  const c = tally.counters;
  c.streams++;
  let attempts = 0;
  let stopped = false;
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
    protocol.finished();
    settle();
  };

  const end = (kind: AttemptEnd['kind'], why: string) => {
    const decision = protocol.ended({ kind, why, attempt: attempts, stopped });
    if (decision === 'finish') finish();
    else if (decision === 'retry') {
      c.reconnects++;
      // A short pause, as EventSource's retry: a refused connection is not hammered.
      setTimeout(connect, 200);
    }
  };

  const connect = () => {
    if (stopped) return finish();
    attempts++;
    if (!c.firstConnectAt) c.firstConnectAt = Date.now();
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      onConnected?.();
    };
    request = protocol.open((res) => {
      answer();
      const connectedAt = Date.now();
      c.allConnectedAt = Math.max(c.allConnectedAt, connectedAt);
      if (res.statusCode !== 200) {
        protocol.refused(res.statusCode);
        res.resume();
        res.on('close', () => end('refused', 'HTTP error'));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        c.bytes += chunk.length;
        buffer += chunk;
        let from = 0;
        let at: number;
        while ((at = buffer.indexOf('\n\n', from)) >= 0) {
          protocol.frame(buffer.slice(from, at), connectedAt);
          from = at + 2;
        }
        buffer = from === 0 ? buffer : buffer.slice(from);
      });
      res.on('close', () => end('closed', 'response closed'));
    });
    request.on('error', (err) => {
      answer();
      end('failed', err.message);
    });
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
