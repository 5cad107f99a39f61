import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { openaiChatWire } from './openai-chat-wire.ts';

/** One request as the fixture saw it. */
export interface CountedRequest {
  /** The agent (first line of its system prompt) and the whole conversation: the same key is the same question asked again. */
  key: string;
  /** Asked with no tools: a worker's answer. */
  worker: boolean;
  startedAt: number;
  /** When the whole answer was sent (undefined: the client went away first). */
  finishedAt?: number;
  /** When the client closed the connection before the whole answer was sent (a cancelled call). */
  abortedAt?: number;
  /** The request's messages as sent (role and text), to see what an agent was told. */
  messages: Array<{ role: string; text: string }>;
  /** The tool results the conversation carries, in order (what the model was told each call gave). */
  toolResults: string[];
}

export interface CountingProviderOptions {
  /** A supervisor calls all its tools in its first turn (a parallel team), instead of one after the other. */
  parallel?: boolean;
  /** The usage each answer reports (default 10 input, 5 output); `maxTokens` is the request's max_tokens, if any. */
  usage?: (request: { maxTokens: number | undefined; worker: boolean }) => { input: number; output: number };
  /**
   * Worker tools (not delegations) with the input an agent gives each, from its task: an agent
   * offered only these calls each once, then answers with what the last one gave.
   */
  toolInputs?: WorkerToolInputs;
}

/** A worker tool the fixture's agents call (beside delegations): the input it gives the tool, from the task. */
export type WorkerToolInputs = Record<string, (task: string) => unknown>;

const text = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: any) => p.text ?? '').join('') : '';

/**
 * A model server on 127.0.0.1 that the Cadre processes call as an `openai-compatible` model,
 * scripting any hierarchy (each agent delegates to its tools one after the other, then answers)
 * at a set pace, and counting every request per (agent, conversation). A run whose finished
 * worker answer was asked for again would show the same key twice.
 */
export class CountingProviderServer {
  readonly requests: CountedRequest[] = [];
  readonly #server: Server;
  readonly #paceMs: number;
  readonly #workerPieces: number;
  readonly #parallel: boolean;
  readonly #usage: CountingProviderOptions['usage'];
  readonly #toolInputs: WorkerToolInputs;
  /** GET /effect requests served: a worker tool's side effect (http_request), counted. */
  effects = 0;

  /** `paceMs` between streamed pieces; a worker's answer is `workerPieces` pieces, a supervisor's a few. */
  constructor(paceMs: number, workerPieces: number, options: CountingProviderOptions = {}) {
    this.#paceMs = paceMs;
    this.#workerPieces = workerPieces;
    this.#parallel = options.parallel === true;
    this.#usage = options.usage;
    this.#toolInputs = options.toolInputs ?? {};
    this.#server = createServer((req, res) => {
      if (req.url?.startsWith('/effect')) {
        this.effects++;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`effect ${this.effects}`);
        return;
      }
      this.#handle(req, res).catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))));
    });
  }

  async start(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  /** Requests per key. */
  counts(filter: (r: CountedRequest) => boolean = () => true): Map<string, CountedRequest[]> {
    const map = new Map<string, CountedRequest[]>();
    for (const r of this.requests.filter(filter)) map.set(r.key, [...(map.get(r.key) ?? []), r]);
    return map;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const parsed = JSON.parse(body) as { messages?: any[]; tools?: any[]; max_tokens?: number; max_completion_tokens?: number };
    const messages = parsed.messages ?? [];
    const system = messages.filter((m) => m.role === 'system').map((m) => text(m.content)).join('\n');
    const who = system.split('\n')[0]!;
    const tools: string[] = (parsed.tools ?? []).map((t: any) => t.function.name);
    const toolResults = messages.filter((m) => m.role === 'tool').map((m) => text(m.content));
    const results = toolResults.length;
    const task = text(messages.find((m) => m.role === 'user')?.content).slice(0, 2000);
    const workerTools = tools.length > 0 && tools.every((t) => t in this.#toolInputs);
    const record: CountedRequest = {
      key: `${who} ${JSON.stringify(messages)}`, worker: tools.length === 0 || workerTools, startedAt: Date.now(),
      messages: messages.map((m) => ({ role: String(m.role), text: text(m.content) })), toolResults,
    };
    this.requests.push(record);
    res.on('close', () => {
      if (record.finishedAt === undefined) record.abortedAt = Date.now();
    });
    const input = (name: string) => (workerTools ? this.#toolInputs[name]!(task) : { task: `${name} for: ${task}` });
    const call = (name: string, i: number) => ({ id: `call_${this.requests.length}_${i}`, name, input: input(name) });
    const usage = this.#usage?.({ maxTokens: parsed.max_tokens ?? parsed.max_completion_tokens, worker: record.worker });
    const turn = {
      ...(this.#parallel && results === 0 && tools.length > 0
        ? { toolCalls: tools.map(call) }
        : !this.#parallel && results < tools.length
          ? { toolCalls: [call(tools[results]!, 0)] }
          : { text: tools.length === 0 ? `${who} answers. `.padEnd(6 * this.#workerPieces, '.') : workerTools ? `${who} got: ${toolResults.at(-1)}` : `${who} sums up.` }),
      ...(usage && { usage }),
    };
    const wire = openaiChatWire.encodeTurn(turn);
    res.writeHead(wire.status ?? 200, wire.headers ?? {});
    for (const chunk of wire.chunks) {
      if (res.destroyed) return;
      res.write(chunk);
      await delay(this.#paceMs);
    }
    if (res.destroyed) return;
    res.end();
    record.finishedAt = Date.now();
  }
}
