/**
 * The client side of the LangGraph peer: one run = one `POST /runs/stream` (stateless; the
 * response is the run's SSE stream, stream_mode messages-tuple + updates, subgraphs included),
 * read on its own connection as sse-follower.ts reads Cadre's. Counted into the same Tally:
 * every SSE frame with data is an event; latency is receive time minus the emit time the fake
 * model put in each token chunk (response_metadata.emitted_at). LangGraph's frames carry no
 * sequence number, so the check in place of Cadre's sequence check is the count of token chunks
 * per run (a shortfall or excess is counted as gaps), and the terminal event is the root
 * graph's last `updates` frame (supervisor_summary).
 */
import { request, type ClientRequest } from 'node:http';
import type { Tally } from './sse-follower.ts';

export interface PeerRun {
  /** e.g. http://127.0.0.1:1234 */
  base: string;
  assistantId: string;
  configurable: Record<string, unknown>;
  /** Token chunks a complete run streams (17 turns × tokens per turn). */
  expectedChunks: number;
  task: string;
}

export function followPeer(run: PeerRun, opts: { tally: Tally; onConnected?: () => void }): { done: Promise<void>; stop: () => void } {
  const { tally } = opts;
  const c = tally.counters;
  c.streams++;
  let chunks = 0;
  let terminal = false;
  let failed = false;
  let stopped = false;
  let req: ClientRequest | undefined;
  let settle!: () => void;
  const done = new Promise<void>((resolve) => { settle = resolve; });
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const now = Date.now();
    if (!c.firstEndAt) c.firstEndAt = now;
    c.lastEndAt = Math.max(c.lastEndAt, now);
    if (!terminal) c.missingTerminal++;
    if (chunks !== run.expectedChunks) c.gaps += Math.abs(run.expectedChunks - chunks);
    if (terminal && !failed && chunks === run.expectedChunks) c.complete++;
    settle();
  };
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    opts.onConnected?.();
  };

  const onFrame = (block: string, connectedAt: number) => {
    if (block.charCodeAt(0) === 58) return; // ":" heartbeat
    let event = '';
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('data: ')) data = line.slice(6);
      else if (line.startsWith('event: ')) event = line.slice(7);
    }
    if (data === undefined) return;
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
  };

  const payload = JSON.stringify({
    assistant_id: run.assistantId, input: { task: run.task }, config: { configurable: run.configurable },
    stream_mode: ['messages-tuple', 'updates'], stream_subgraphs: true,
    // A client gone means nobody follows the run: stop it, as Cadre's cancel after a deadline.
    on_disconnect: 'cancel',
  });
  if (!c.firstConnectAt) c.firstConnectAt = Date.now();
  req = request(`${run.base}/runs/stream`, {
    method: 'POST', agent: false,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(payload) },
  }, (res) => {
    answer();
    const connectedAt = Date.now();
    c.allConnectedAt = Math.max(c.allConnectedAt, connectedAt);
    if (res.statusCode !== 200) {
      tally.error(`peer run: HTTP ${res.statusCode}`);
      failed = true;
      res.resume();
      res.on('close', finish);
      return;
    }
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      c.bytes += chunk.length;
      buffer += chunk;
      let from = 0;
      let end: number;
      // hono's streamSSE ends frames with a blank line; lines may end in \r\n on other servers.
      while ((end = buffer.indexOf('\n\n', from)) >= 0) {
        onFrame(buffer.slice(from, end).replace(/\r/g, ''), connectedAt);
        from = end + 2;
      }
      buffer = from === 0 ? buffer : buffer.slice(from);
    });
    res.on('close', () => {
      if (!terminal && !stopped) tally.error(`peer run: the stream ended before the run's last update (${chunks}/${run.expectedChunks} chunks)`);
      finish();
    });
  });
  req.on('error', (err) => {
    answer();
    if (!stopped) tally.error(`peer run: ${err.message}`);
    failed = true;
    finish();
  });
  req.end(payload);
  return {
    done,
    stop: () => {
      stopped = true;
      req?.destroy();
    },
  };
}
