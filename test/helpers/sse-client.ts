/** A small SSE client for tests: frames parsed incrementally from a fetch response body. */

export interface SseFrame {
  /** `event:` field; 'message' when the frame has none. */
  event: string;
  /** `data:` lines joined by '\n'. */
  data: string;
  /** `id:` field of this frame (undefined when it carried none). */
  id?: string;
  /** `retry:` field, when present. */
  retry?: number;
}

export interface SseOpenOptions {
  method?: 'GET' | 'POST';
  /** JSON-encoded unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Non-SSE answers (errors) are read whole: the raw text, and the parsed JSON when it is JSON. */
  text?: string;
  json?: any;
  /** Comments (lines starting with ':'), without the colon and leading space, in arrival order. */
  comments: string[];
  /** Every frame read so far (including `retry`-only frames). */
  frames: SseFrame[];
  /** True once the response body ended (server closed it). */
  ended: boolean;
  /** Frames from the first one, waiting for new ones; ends when the body ends or the stream is closed. */
  [Symbol.asyncIterator](): AsyncIterator<SseFrame>;
  /** The first frame (from the start) for which `predicate` holds, waiting for it; undefined if the body ends first. */
  until(predicate: (frame: SseFrame) => boolean): Promise<SseFrame | undefined>;
  /** Aborts the request (client disconnect). */
  close(): void;
}

/** One SSE line-protocol parser; feed text, get complete frames (dispatched on blank lines). */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #retry: number | undefined;
  #hasField = false;
  readonly onFrame: (frame: SseFrame) => void;
  readonly onComment: (comment: string) => void;

  constructor(onFrame: (frame: SseFrame) => void, onComment: (comment: string) => void) {
    this.onFrame = onFrame;
    this.onComment = onComment;
  }

  /** Linear in the text fed: lines are cut by index, the buffer is sliced once per chunk. */
  push(chunk: string): void {
    const buffer = this.#buffer + chunk;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A trailing '\r' may be the first half of '\r\n': wait for more text.
      if (c === 13 && i === buffer.length - 1) break;
      this.#line(buffer.slice(start, i));
      if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.#buffer = buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).replace(/^ /, ''));
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    this.#hasField = true;
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id') this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.#retry = Number(value);
  }

  #dispatch(): void {
    if (!this.#hasField) return;
    const frame: SseFrame = { event: this.#event || 'message', data: this.#data.join('\n') };
    if (this.#id !== undefined) frame.id = this.#id;
    if (this.#retry !== undefined) frame.retry = this.#retry;
    this.#event = '';
    this.#data = [];
    this.#id = undefined;
    this.#retry = undefined;
    this.#hasField = false;
    this.onFrame(frame);
  }
}

/** Opens an SSE request. Resolves once the response headers arrive. */
export async function openSse(url: string, options: SseOpenOptions = {}): Promise<SseStream> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const controller = new AbortController();
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    ...(options.body !== undefined && { 'content-type': 'application/json' }),
    ...options.headers,
  };
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const res = await fetch(url, { method, headers, body, signal: controller.signal });

  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    comments: [],
    frames: [],
    ended: false,
    [Symbol.asyncIterator]() {
      let next = 0;
      return {
        async next(): Promise<IteratorResult<SseFrame>> {
          while (next >= stream.frames.length && !stream.ended) {
            await new Promise<void>((resolve) => {
              const w = () => {
                waiters.delete(w);
                resolve();
              };
              waiters.add(w);
            });
          }
          if (next < stream.frames.length) return { value: stream.frames[next++]!, done: false };
          return { value: undefined, done: true };
        },
      };
    },
    async until(predicate) {
      for await (const frame of stream) if (predicate(frame)) return frame;
      return undefined;
    },
    close() {
      controller.abort();
    },
  };

  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    stream.text = await res.text();
    try {
      stream.json = JSON.parse(stream.text);
    } catch {
      // not JSON: leave json undefined
    }
    stream.ended = true;
    return stream;
  }

  const parser = new SseParser(
    (frame) => {
      stream.frames.push(frame);
      wake();
    },
    (comment) => stream.comments.push(comment),
  );
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.push(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by close(), or the connection dropped: the stream simply ends
    } finally {
      stream.ended = true;
      wake();
    }
  })();
  return stream;
}

/** Frames that carry an event (an `id:`), i.e. not `retry`-only, close or error frames. */
export function eventFrames(frames: SseFrame[]): SseFrame[] {
  return frames.filter((f) => f.id !== undefined);
}

/** Opens a stream and resolves with everything once the server ended the response. */
export async function collectUntilClose(url: string, options: SseOpenOptions = {}): Promise<SseStream> {
  const stream = await openSse(url, options);
  for await (const _ of stream) {
    // drain
  }
  return stream;
}

/**
 * Reads a stream to its `event: close` as a browser's EventSource would: when the server cuts the
 * connection first (a slow reader passed its buffer bound), or before answering, reconnects with
 * `Last-Event-ID`.
 * Returns the last connection's stream with the frames of every connection, in order.
 */
export async function collectResuming(url: string, options: SseOpenOptions = {}, maxConnections = 50): Promise<SseStream & { connections: number }> {
  const frames: SseFrame[] = [];
  for (let connections = 1; ; connections++) {
    const lastId = eventFrames(frames).at(-1)?.id;
    const headers = { ...options.headers, ...(lastId !== undefined && { 'last-event-id': lastId }) };
    // A connection cut before its headers arrived fails the fetch; EventSource retries it too.
    const stream = await collectUntilClose(url, { ...options, headers }).catch((err: unknown) => {
      if (connections >= maxConnections) throw err;
      return undefined;
    });
    if (!stream) continue;
    frames.push(...stream.frames);
    const closed = stream.frames.at(-1)?.event === 'close' || stream.status !== 200;
    if (closed || connections >= maxConnections) return Object.assign(stream, { frames, connections });
  }
}

/** Opens a stream, reads `n` event frames (frames with an id), then disconnects. Returns those frames. */
export async function readEventsThenAbort(url: string, options: SseOpenOptions, n: number): Promise<{ stream: SseStream; events: SseFrame[] }> {
  const stream = await openSse(url, options);
  const events: SseFrame[] = [];
  for await (const frame of stream) {
    if (frame.id !== undefined) events.push(frame);
    if (events.length >= n) break;
  }
  stream.close();
  return { stream, events };
}
