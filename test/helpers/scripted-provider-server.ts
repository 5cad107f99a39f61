import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted model turn, in no provider's format: each wire helper encodes it its own way. */
export interface ScriptTurn {
  reasoning?: string;
  text?: string;
  toolCalls?: Array<{ id: string; name: string; input: unknown }>;
  usage?: { input: number; output: number; reasoning?: number; cached?: number };
}

/** What a provider's request says, read by its wire helper: enough to script a hierarchy. */
export interface ReadRequest {
  system: string;
  toolNames: string[];
  /** The conversation ends with tool results: the model should answer now. */
  afterToolResults: boolean;
  maxTokens?: number;
  temperature?: number;
}

/** A body the server sends: text and bytes in order; `stall` keeps the response open after them. */
export interface WireBody {
  status?: number;
  headers?: Record<string, string>;
  chunks: Array<string | Uint8Array>;
  stall?: boolean;
}

export interface WireFormat {
  /** The response of one turn; `stallAfter` parts are sent, then nothing more. */
  encodeTurn(turn: ScriptTurn, stallAfter?: number): WireBody;
  /** A provider error response as this provider sends it. */
  encodeError(status: number, message: string, headers?: Record<string, string>): WireBody;
  readRequest(body: any): ReadRequest;
}

export interface RecordedRequest {
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
  read: ReadRequest;
  /** Resolves when the client closed this request's connection (or the response ended). */
  closed: Promise<void>;
}

export type Reply = ScriptTurn | { error: number; message: string; headers?: Record<string, string> } | { raw: WireBody } | { stallAfter: number; turn: ScriptTurn };

/**
 * A provider stand-in on 127.0.0.1 (ephemeral port) speaking one wire format. `reply` scripts
 * each request (called with the request as read and its index); every request is recorded.
 */
export class ScriptedProviderServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #format: WireFormat;
  reply: (req: ReadRequest, index: number) => Reply;
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(format: WireFormat, reply: (req: ReadRequest, index: number) => Reply) {
    this.#format = format;
    this.reply = reply;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  async start(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once `n` requests have arrived. */
  async waitForRequests(n: number): Promise<RecordedRequest[]> {
    if (this.requests.length < n) await new Promise<void>((resolve) => this.#waiters.push({ n, resolve }));
    return this.requests;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const closed = once(res, 'close').then(() => undefined);
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : null;
    const read = this.#format.readRequest(body);
    const index = this.requests.length;
    this.requests.push({ url: req.url ?? '', headers: req.headers, body, read, closed });
    for (const w of this.#waiters.filter((w) => this.requests.length >= w.n)) w.resolve();
    this.#waiters = this.#waiters.filter((w) => this.requests.length < w.n);
    const reply = this.reply(read, index);
    const wire = 'error' in reply ? this.#format.encodeError(reply.error, reply.message, reply.headers)
      : 'raw' in reply ? reply.raw
        : 'stallAfter' in reply ? this.#format.encodeTurn(reply.turn, reply.stallAfter)
          : this.#format.encodeTurn(reply);
    res.writeHead(wire.status ?? 200, wire.headers ?? {});
    for (const chunk of wire.chunks) res.write(chunk);
    if (!wire.stall) res.end();
  }
}

/** SSE text of one event: optional `event:` name and JSON data. */
export function sseEvent(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** Text split in small pieces, as a model streams it. */
export function pieces(text: string): string[] {
  return text.match(/.{1,6}/gs) ?? [];
}

/** The first `stallAfter` chunks, then an open response (all of them when undefined). */
export function cut(chunks: string[] | Uint8Array[], headers: Record<string, string>, stallAfter?: number): WireBody {
  return stallAfter === undefined ? { headers, chunks } : { headers, chunks: chunks.slice(0, stallAfter), stall: true };
}
