/**
 * The client side of the LangGraph peer: one run = one `POST /runs/stream` (stateless; the
 * response is the run's SSE stream, stream_mode messages-tuple + updates, subgraphs included),
 * read through follower-core.ts as sse-follower.ts reads Cadre's. Counted into the same Tally:
 * every SSE frame with data is an event; latency is receive time minus the emit time the fake
 * model put in each token chunk (response_metadata.emitted_at). LangGraph's frames carry no
 * sequence number, so the check in place of Cadre's sequence check is the count of token chunks
 * per run (a shortfall or excess is counted as gaps), and the terminal event is the root
 * graph's last `updates` frame (supervisor_summary). A dropped stream is not resumed.
 */
import { request } from 'node:http';
import { followStream, sseFields, type Follower } from './follower-core.ts';
import type { Tally } from './stream-tally.ts';

export interface PeerRun {
  /** e.g. http://127.0.0.1:1234 */
  base: string;
  assistantId: string;
  configurable: Record<string, unknown>;
  /** Token chunks a complete run streams (17 turns × tokens per turn). */
  expectedChunks: number;
  task: string;
}

export function followPeer(run: PeerRun, opts: { tally: Tally; onConnected?: () => void }): Follower {
  const { tally } = opts;
  const c = tally.counters;
  let chunks = 0;
  let terminal = false;
  let failed = false;

  const payload = JSON.stringify({
    assistant_id: run.assistantId, input: { task: run.task }, config: { configurable: run.configurable },
    stream_mode: ['messages-tuple', 'updates'], stream_subgraphs: true,
    // A client gone means nobody follows the run: stop it, as Cadre's cancel after a deadline.
    on_disconnect: 'cancel',
  });

  return followStream(tally, {
    open: (onResponse) => {
      const req = request(`${run.base}/runs/stream`, {
        method: 'POST', agent: false,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(payload) },
      }, onResponse);
      req.end(payload);
      return req;
    },
    frame: (block, connectedAt) => {
      // hono's streamSSE ends frames with a blank line; lines may end in \r\n on other servers.
      const fields = sseFields(block.replace(/\r/g, ''));
      if (!fields || fields.data === undefined) return;
      const { event, data } = fields;
      c.events++;
      if (terminal) c.afterTerminal++;
      if (event === 'error') {
        failed = true;
        tally.error(`peer run: error frame ${data.slice(0, 200)}`);
        return;
      }
      if (event === 'messages' || event.startsWith('messages|')) {
        const [chunk] = JSON.parse(data) as [{ response_metadata?: { emitted_at?: string } }];
        const stamped = Number(chunk.response_metadata?.emitted_at);
        if (!Number.isFinite(stamped)) {
          tally.error(`peer run: a message chunk without emitted_at: ${data.slice(0, 120)}`);
          return;
        }
        chunks++;
        if (stamped < connectedAt) c.replayed++;
        else tally.latency(Date.now() - stamped);
      } else if (event === 'updates' && data.startsWith('{"supervisor_summary"')) {
        terminal = true;
      }
    },
    refused: (status) => {
      tally.error(`peer run: HTTP ${status}`);
      failed = true;
    },
    // One attempt only: every end finishes the stream (the core counts the finish once).
    ended: ({ kind, why, stopped }) => {
      if (kind === 'closed' && !terminal && !stopped) tally.error(`peer run: the stream ended before the run's last update (${chunks}/${run.expectedChunks} chunks)`);
      if (kind === 'failed') {
        if (!stopped) tally.error(`peer run: ${why}`);
        failed = true;
      }
      return 'finish';
    },
    finished: () => {
      if (!terminal) c.missingTerminal++;
      if (chunks !== run.expectedChunks) c.gaps += Math.abs(run.expectedChunks - chunks);
      if (terminal && !failed && chunks === run.expectedChunks) c.complete++;
    },
  }, opts.onConnected);
}
