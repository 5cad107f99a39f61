import { createParser } from 'eventsource-parser';
import type { ApiClient } from './api-client.ts';
import { unreachable } from './api-client.ts';
import { CliError, EXIT } from './exit-codes.ts';

/** One event of a run, as the server streams it (see the README's "Events and streaming"). */
export interface RunEventJson {
  run_id: number;
  timestamp: string;
  sequence: number;
  source: { agent_id: string; agent_type: string; agent_name: string; team_name: string | null } | null;
  event: { category: string; action: string };
  data: Record<string, any>;
}

export interface FollowOptions {
  /** Resume after this event id (0: from the start). */
  after?: number;
  /** Each event once, in sequence order. */
  onEvent(event: RunEventJson): void;
  /** The stream dropped (or could not be opened) and is being reopened after `after`. */
  onReconnect?(after: number, why: string): void;
  /** Give up (exit "unreachable") when no connection could be made for this long. */
  retryForMs?: number;
  /** A connection that sends nothing, not even the 15 s heartbeat, this long is dropped and reopened. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

export const TERMINAL_ACTIONS: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export function isTerminalEvent(e: RunEventJson): boolean {
  return e.event.category === 'lifecycle' && TERMINAL_ACTIONS.has(e.event.action);
}

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 2000;

/** Why one connection ended. */
type Ending = { kind: 'closed' } | { kind: 'dropped'; why: string };

/**
 * Follows a run's SSE stream to its end, as EventSource would but without its gaps: when the
 * connection drops (the server cut a slow reader, restarted, the network blinked) it reconnects
 * with `Last-Event-ID` set to the last event delivered, so every event arrives once, in order.
 * Answers the terminal event (undefined when the stream closed without one: a run whose process
 * died before recovery wrote it).
 */
export async function followRun(client: ApiClient, runId: number, options: FollowOptions): Promise<RunEventJson | undefined> {
  let last = options.after ?? 0;
  let terminal: RunEventJson | undefined;
  let delay = FIRST_RETRY_MS;
  let failingSince: number | undefined;
  const retryForMs = options.retryForMs ?? 30_000;

  const deliver = (event: RunEventJson) => {
    if (event.sequence <= last) return; // already delivered before a reconnect
    last = event.sequence;
    if (isTerminalEvent(event)) terminal = event;
    options.onEvent(event);
  };

  for (;;) {
    options.signal?.throwIfAborted();
    let ending: Ending;
    try {
      ending = await readOnce(client, runId, last, options, deliver, () => {
        failingSince = undefined;
        delay = FIRST_RETRY_MS;
      });
    } catch (err) {
      if (err instanceof CliError && err.exitCode !== EXIT.unreachable) throw err;
      ending = { kind: 'dropped', why: err instanceof Error ? err.message : String(err) };
      failingSince ??= Date.now();
      if (Date.now() - failingSince > retryForMs) throw err instanceof CliError ? err : unreachable(client.baseUrl, err);
    }
    if (ending.kind === 'closed') return terminal;
    options.onReconnect?.(last, ending.why);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

/** One connection: opens the stream after `after`, delivers its events, tells how it ended. */
async function readOnce(
  client: ApiClient, runId: number, after: number, options: FollowOptions,
  deliver: (event: RunEventJson) => void, connected: () => void,
): Promise<Ending> {
  const abort = new AbortController();
  const stop = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  };
  try {
    touch();
    const res = await client.fetch(`/api/executor/v1/runs/stream?id=${runId}`, {
      method: 'GET',
      headers: client.headers({ accept: 'text/event-stream', ...(after > 0 && { 'last-event-id': String(after) }) }),
      signal: abort.signal,
    });
    if (res.status === 503) {
      // Too many streams open on the server, or it is shutting down: try again shortly.
      await res.body?.cancel();
      return { kind: 'dropped', why: 'the server is busy (503)' };
    }
    if (!res.ok) throw await client.errorOf(res, `stream of run ${runId}`);
    connected();
    let closed = false;
    let bad: Error | undefined;
    const parser = createParser({
      onEvent(message) {
        if (message.event === 'close') {
          closed = true;
          return;
        }
        try {
          deliver(JSON.parse(message.data) as RunEventJson);
        } catch (err) {
          bad = new Error(`malformed event ${message.id ?? ''}: ${(err as Error).message}`);
        }
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (bad) throw new CliError(bad.message, EXIT.serverError);
        if (closed) return { kind: 'closed' };
      }
    } catch (err) {
      if (err instanceof CliError) throw err;
      options.signal?.throwIfAborted();
      return { kind: 'dropped', why: (abort.signal.reason as Error | undefined)?.message ?? (err as Error).message };
    }
    return closed ? { kind: 'closed' } : { kind: 'dropped', why: 'the server ended the stream early' };
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', stop);
  }
}
