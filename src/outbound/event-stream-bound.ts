import type { GuardedFetch } from './guarded-fetch.ts';

/**
 * Cuts an event stream whose current message — the bytes since the last blank line (`\n\n` or
 * `\r\n\r\n`) — grows past `maxBytes`. An SSE parser buffers a message until its blank line, so a
 * server (a tenant's base_url or MCP server) sending one that never ends would make the process
 * hold any amount of memory; the stream as a whole stays unbounded. Line feeds are found with
 * the native indexOf, so a chunk costs one scan and nothing is allocated. (Bare `\r` line ends,
 * which SSE allows and no provider sends, count as content: such a stream is cut after
 * `maxBytes` in all.)
 */
export function eventStreamMessageBound(maxBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let size = 0;
  // Whether the line being read (since the last line feed) has anything but a carriage return.
  let lineHasContent = false;
  const hasContent = (chunk: Uint8Array, from: number, to: number) => to - from > 1 || (to - from === 1 && chunk[from] !== 0x0d);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      let start = 0;
      for (let lf = chunk.indexOf(0x0a); lf !== -1; lf = chunk.indexOf(0x0a, start)) {
        const blank = !lineHasContent && !hasContent(chunk, start, lf);
        // A blank line ends the message: what the parser holds starts again from nothing.
        size = blank ? 0 : size + lf + 1 - start;
        lineHasContent = false;
        start = lf + 1;
      }
      lineHasContent ||= hasContent(chunk, start, chunk.length);
      size += chunk.length - start;
      if (size > maxBytes) {
        controller.error(new Error(`a message on the server's event stream is larger than ${maxBytes} bytes, so the stream was cut`));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

/**
 * A fetch whose `text/event-stream` answers are bounded per message (eventStreamMessageBound);
 * other answers pass as they are.
 */
export function withEventStreamBound(fetch: GuardedFetch, maxBytes: number): GuardedFetch {
  return (async (input: Parameters<GuardedFetch>[0], init?: RequestInit) => {
    const response = await fetch(input, init);
    if (!response.body || !(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) return response;
    return new Response(response.body.pipeThrough(eventStreamMessageBound(maxBytes)), {
      status: response.status, statusText: response.statusText, headers: response.headers,
    });
  }) as GuardedFetch;
}
