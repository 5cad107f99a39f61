/**
 * The raw baseline: a minimal in-memory pipeline in its own process. A producer per run replays
 * a Cadre run's events (same JSON shape and size, re-stamped with run_id, sequence and
 * timestamp) into an in-memory log and straight out to SSE subscribers. It speaks the subset of
 * Cadre's API the bench client uses (runs/start, runs/stream, runs/events, /health), so the
 * client code is the same; it has no database, actors, validation or flow control — the
 * ceiling Cadre is measured against on the same machine in the same run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BaselineWorkload, ServerReply, ServerRequest } from '../protocol.ts';

const API = '/api/executor/v1';
const TERMINAL = new Set(['lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled']);

interface Run {
  id: number;
  workload: BaselineWorkload;
  /** Event names and JSON, index = sequence - 1. */
  names: string[];
  jsons: string[];
  subscribers: Set<ServerResponse>;
  ended: boolean;
  /** Cancels the pending producer step (reset). */
  halt?: () => void;
}

const workloads = new Map<string, BaselineWorkload>();
const runs = new Map<number, Run>();
let nextRunId = 1;
let nextWorkload = 1;

const frame = (seq: number, name: string, json: string) => `id: ${seq}\nevent: ${name}\ndata: ${json}\n\n`;

/**
 * Events a run emits per loop turn in the 'batch' pacing: the batched ceiling Cadre's CPU per
 * event is compared with (its sink batches a run's events per tick; 16 is generous for a tree
 * whose agents stream one token per turn each, 1-4 at once).
 */
const BATCH_PER_TICK = 16;

/** Emits up to `count` next events of the run in one write per subscriber; false once it has ended. */
function emit(run: Run, count = 1): boolean {
  let frames = '';
  let last = false;
  for (let k = 0; k < count && !last; k++) {
    const i = run.jsons.length;
    const t = run.workload.events[i]!;
    const name = `${t.event.category}.${t.event.action}`;
    const json = JSON.stringify({ run_id: run.id, timestamp: new Date().toISOString(), sequence: i + 1, source: t.source, event: t.event, data: t.data });
    run.names.push(name);
    run.jsons.push(json);
    frames += frame(i + 1, name, json);
    last = TERMINAL.has(name) || i + 1 === run.workload.events.length;
  }
  for (const res of run.subscribers) {
    res.write(frames);
    if (last) res.end('event: close\ndata: {}\n\n');
  }
  if (last) {
    run.ended = true;
    run.subscribers.clear();
  }
  return !last;
}

function produce(run: Run): void {
  const events = run.workload.events;
  if (run.workload.pacing === 'tick' || run.workload.pacing === 'batch') {
    // One event per event-loop turn, as the simulated model yields once per token (or a batch per turn).
    const perTurn = run.workload.pacing === 'batch' ? BATCH_PER_TICK : 1;
    const step = () => {
      if (emit(run, perTurn)) schedule();
    };
    const schedule = () => {
      const immediate = setImmediate(step);
      run.halt = () => clearImmediate(immediate);
    };
    schedule();
    return;
  }
  const t0 = performance.now();
  const step = () => {
    const elapsed = performance.now() - t0;
    let more = true;
    while (more && events[run.jsons.length]!.offsetMs <= elapsed) more = emit(run);
    if (!more) return;
    const timer = setTimeout(step, Math.max(0, events[run.jsons.length]!.offsetMs - (performance.now() - t0)));
    run.halt = () => clearTimeout(timer);
  };
  step();
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

function stream(req: IncomingMessage, res: ServerResponse, run: Run): void {
  const lastId = Number(req.headers['last-event-id'] ?? 0) || 0;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  // History in chunks of 500 frames, as Cadre pages it; then live.
  for (let from = lastId; from < run.jsons.length; from += 500) {
    let chunk = '';
    for (let i = from; i < Math.min(from + 500, run.jsons.length); i++) chunk += frame(i + 1, run.names[i]!, run.jsons[i]!);
    res.write(chunk);
  }
  if (run.ended) {
    res.end('event: close\ndata: {}\n\n');
    return;
  }
  run.subscribers.add(res);
  res.on('close', () => run.subscribers.delete(res));
}

function events(res: ServerResponse, run: Run, body: Record<string, unknown>): void {
  const start = body.start_id === undefined || body.start_id === '-' ? 1 : Number(body.start_id);
  const limit = typeof body.limit === 'number' ? body.limit : 100;
  const slice = run.jsons.slice(start - 1, start - 1 + limit);
  const hasMore = start - 1 + limit < run.jsons.length;
  // The same page shape as Cadre's (each event with its id first), built by concatenation.
  const items = slice.map((j, k) => `{"id":"${start + k}",${j.slice(1)}`).join(',');
  const next = hasMore ? `"${start + slice.length}"` : 'null';
  json(res, 200, `{"success":true,"message":"success","data":{"run_id":${run.id},"events":[${items}],"count":${slice.length},"has_more":${hasMore},"next_id":${next}}}`);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') return json(res, 200, '{"success":true}');
  if (url.pathname === `${API}/runs/stream`) {
    const run = runs.get(Number(url.searchParams.get('id')));
    return run ? stream(req, res, run) : json(res, 404, '{"success":false,"error":"no such run"}');
  }
  if (req.method !== 'POST') return json(res, 404, '{"success":false,"error":"not found"}');
  const body = await readBody(req);
  if (url.pathname === `${API}/runs/start`) {
    const workload = workloads.get(String(body.hierarchy_id));
    if (!workload) return json(res, 404, '{"success":false,"error":"no such workload"}');
    const run: Run = { id: nextRunId++, workload, names: [], jsons: [], subscribers: new Set(), ended: false };
    runs.set(run.id, run);
    produce(run);
    return json(res, 200, `{"success":true,"data":{"id":${run.id},"status":"running"}}`);
  }
  if (url.pathname === `${API}/runs/events`) {
    const run = runs.get(Number(body.id));
    return run ? events(res, run, body) : json(res, 404, '{"success":false,"error":"no such run"}');
  }
  return json(res, 404, '{"success":false,"error":"not found"}');
}

function reset(): void {
  for (const run of runs.values()) {
    run.halt?.();
    for (const res of run.subscribers) res.destroy();
  }
  runs.clear();
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) json(res, 500, JSON.stringify({ success: false, error: String(err) }));
    else res.destroy();
  });
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.send!({ type: 'listening', port: (server.address() as AddressInfo).port });
});

const gc = (globalThis as { gc?: () => void }).gc;
function answer(msg: ServerRequest): ServerReply {
  if (msg.type === 'workload') {
    const id = `w${nextWorkload++}`;
    workloads.set(id, msg.workload);
    return { type: 'workload', reqId: msg.reqId, hierarchyId: id };
  }
  if (msg.type === 'reset') {
    reset();
    return { type: 'reset', reqId: msg.reqId };
  }
  if (!gc) return { type: 'error', reqId: msg.reqId, error: 'gc is not exposed: fork with --expose-gc' };
  // Twice: the first pass can leave garbage that only a second frees.
  gc();
  gc();
  return { type: 'memory', reqId: msg.reqId, usage: process.memoryUsage() };
}
process.on('message', (msg: ServerRequest) => {
  process.send!(answer(msg));
});
const stop = () => {
  reset();
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
