import type { GuardedFetch } from '../outbound/guarded-fetch.ts';
import { eventStreamMessageBound } from '../outbound/event-stream-bound.ts';

/**
 * How much of an MCP server's answer is read. The SDK reads an answer (a tool result, as JSON
 * or an SSE stream) whole before Cadre sees it, so without a bound a server could make the
 * process hold any amount of memory. Past `maxBytes` the answer's stream is cut and the requests
 * in flight are failed through `signal` (an SSE answer cut short would otherwise be retried by
 * the SDK until the call's time budget ran out).
 */
export class AnswerBound {
  readonly maxBytes: number;
  #controller = new AbortController();

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Aborted when an answer in flight now goes past the bound; a request made later gets a fresh one. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * A fetch whose POST answers are counted and cut past the bound. A long-lived GET stream
   * (server notifications) is not bounded in total, but each of its messages is: the SDK's
   * parser buffers a message until its blank line, so one that never ends would grow for ever.
   */
  wrap(fetch: GuardedFetch): GuardedFetch {
    return (async (input: Parameters<GuardedFetch>[0], init?: RequestInit) => {
      const response = await fetch(input, init);
      if (!response.body) return response;
      if ((init?.method ?? 'GET').toUpperCase() !== 'POST') {
        const perMessage = response.body.pipeThrough(eventStreamMessageBound(this.maxBytes));
        return new Response(perMessage, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
      let size = 0;
      const counted = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          size += chunk.byteLength;
          if (size <= this.maxBytes) return controller.enqueue(chunk);
          const tooLarge = new Error(`the server's answer is larger than ${this.maxBytes} bytes, so it was not read`);
          controller.error(tooLarge);
          const inFlight = this.#controller;
          this.#controller = new AbortController();
          inFlight.abort(tooLarge);
        },
      }));
      return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
    }) as GuardedFetch;
  }
}

