import { EventEmitter } from 'node:events';
import type { Context } from 'koa';
import { toStoredEvent, type StoredEvent } from '../../src/events/run-event.ts';

/**
 * Stands in for a Node HTTP response whose socket fills exactly when told to (write returns
 * `accepting`; 'drain' when the test says), so backpressure does not depend on kernel buffers.
 * Every chunk written is kept as given, to compare bytes and count writes.
 */
export class TestResponse extends EventEmitter {
  chunks: Array<Buffer | string> = [];
  headers: Record<string, string> = {};
  ended = false;
  destroyed = false;
  accepting = true;
  writeHead(_status: number, headers: Record<string, string>) {
    this.headers = headers;
  }
  write(chunk: Buffer | string): boolean {
    this.chunks.push(chunk);
    return this.accepting;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
  /** The socket drains: writes succeed again. */
  drain() {
    this.accepting = true;
    this.emit('drain');
  }
}

/** A reader that keeps reading, slowly: every write fills the socket, which drains on the next turn. */
export class SlowReadingResponse extends TestResponse {
  override write(chunk: Buffer | string): boolean {
    this.chunks.push(chunk);
    setImmediate(() => this.emit('drain'));
    return false;
  }
}

export function contextFor(res: TestResponse): Context & { retryAfter?: string } {
  const ctx = {
    req: new EventEmitter(), res, respond: true,
    set(name: string, value: string) {
      if (name.toLowerCase() === 'retry-after') ctx.retryAfter = value;
    },
  } as unknown as Context & { retryAfter?: string };
  return ctx;
}

/** Events `from`..`to` of a run, each with `size` characters of content; `terminalAt` makes that one lifecycle.completed. */
export function makeEvents(runId: number, from: number, to: number, options: { size?: number; terminalAt?: number } = {}): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let seq = from; seq <= to; seq++) {
    const terminal = seq === options.terminalAt;
    out.push(toStoredEvent({
      run_id: runId, timestamp: new Date().toISOString(), sequence: seq, source: null,
      event: { category: terminal ? 'lifecycle' : 'llm', action: terminal ? 'completed' : 'stream' },
      data: { content: 'x'.repeat(options.size ?? 8), n: seq },
    }));
  }
  return out;
}

export const frameIds = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Resolves on the first turn of the event loop where `check` holds; rejects past `deadlineMs` (a bound, not a sleep). */
export function waitFor(check: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  return new Promise<void>((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setImmediate(poll);
    };
    poll();
  });
}
