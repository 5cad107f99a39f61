/**
 * The raw Redis baseline: the in-memory baseline's producers, with Redis Streams in between.
 * Every event of every run emitted in one tick goes out in one pipeline of XADDs (`run:{id}`
 * stream, entry id `<sequence>-0`); SSE subscribers get history by XRANGE and live events from
 * one multiplexed `XREAD BLOCK` over the streams followed. No SQL, actors, validation, archive
 * or flow control: what Redis itself moves on this machine, measured in the same run as Cadre.
 * Speaks the subset of Cadre's API the bench client uses, like memory-server.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { BaselineWorkload, ServerReply, ServerRequest } from '../protocol.ts';

const API = '/api/executor/v1';
const TERMINAL = new Set(['lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled']);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `cadre-bench-raw-${process.pid}-${Date.now()}:`;
const key = (runId: number) => `${prefix}run:{${runId}}`;

const cmd = new Redis(url);
const reader = new Redis(url);
for (const c of [cmd, reader]) c.on('error', (err: Error) => process.stderr.write(`redis-raw: ${err.message}\n`));

interface Subscriber { res: ServerResponse; last: number }
interface Run { id: number; workload: BaselineWorkload; emitted: number; subscribers: Set<Subscriber>; halt?: () => void }

const workloads = new Map<string, BaselineWorkload>();
const runs = new Map<number, Run>();
let nextRunId = 1;
let nextWorkload = 1;

// One pipeline per tick for every run's events.
let pending: Array<[number, number, string, string]> = [];
function xadd(runId: number, seq: number, name: string, json: string): void {
  if (pending.length === 0) setImmediate(flush);
  pending.push([runId, seq, name, json]);
}
function flush(): void {
  const batch = pending;
  pending = [];
  const pipeline = cmd.pipeline();
  for (const [runId, seq, name, json] of batch) pipeline.xadd(key(runId), `${seq}-0`, 'n', name, 'j', json);
  pipeline.exec().catch((err: unknown) => process.stderr.write(`redis-raw: pipeline failed: ${String(err)}\n`));
}

function emit(run: Run): boolean {
  const i = run.emitted++;
  const t = run.workload.events[i]!;
  const name = `${t.event.category}.${t.event.action}`;
  xadd(run.id, i + 1, name, JSON.stringify({ run_id: run.id, timestamp: new Date().toISOString(), sequence: i + 1, source: t.source, event: t.event, data: t.data }));
  return !(TERMINAL.has(name) || i + 1 === run.workload.events.length);
}

function produce(run: Run): void {
  const events = run.workload.events;
  if (run.workload.pacing === 'tick') {
    const step = () => {
      if (emit(run)) schedule();
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
    let more = true;
    while (more && events[run.emitted]!.offsetMs <= performance.now() - t0) more = emit(run);
    if (!more) return;
    const timer = setTimeout(step, Math.max(0, events[run.emitted]!.offsetMs - (performance.now() - t0)));
    run.halt = () => clearTimeout(timer);
  };
  step();
}

type Entry = [string, string[]];
/** Writes the entries past the subscriber's last; ends it after a terminal event. */
function send(run: Run, sub: Subscriber, entries: Entry[]): void {
  let chunk = '';
  let end = false;
  for (const [id, f] of entries) {
    const seq = Number(id.slice(0, id.indexOf('-')));
    if (seq <= sub.last) continue;
    sub.last = seq;
    chunk += `id: ${seq}\nevent: ${f[1]}\ndata: ${f[3]}\n\n`;
    if (TERMINAL.has(f[1]!)) end = true;
  }
  if (chunk) sub.res.write(chunk);
  if (end) {
    sub.res.end('event: close\ndata: {}\n\n');
    run.subscribers.delete(sub);
  }
}

// The multiplexed reader: one blocking XREAD over every followed stream, woken by CLIENT UNBLOCK.
const cursors = new Map<number, string>();
let readerId: number | undefined;
let reading = false;
async function readLoop(): Promise<void> {
  reading = true;
  readerId ??= (await reader.client('ID')) as number;
  while (cursors.size > 0) {
    const ids = [...cursors.keys()];
    const reply = (await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', ...ids.map(key), ...ids.map((id) => cursors.get(id)!))) as Array<[string, Entry[]]> | null;
    for (const [k, entries] of reply ?? []) {
      const runId = Number(/\{(\d+)\}/.exec(k)![1]);
      const run = runs.get(runId);
      if (!run || entries.length === 0) continue;
      cursors.set(runId, entries.at(-1)![0]);
      for (const sub of [...run.subscribers]) send(run, sub, entries);
      if (run.subscribers.size === 0) cursors.delete(runId);
    }
  }
  reading = false;
}
function follow(runId: number): void {
  if (cursors.has(runId)) return;
  cursors.set(runId, '0-0');
  if (!reading) readLoop().catch((err: unknown) => { reading = false; process.stderr.write(`redis-raw: reader: ${String(err)}\n`); });
  else if (readerId !== undefined) cmd.client('UNBLOCK', readerId).catch(() => {});
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

async function stream(req: IncomingMessage, res: ServerResponse, run: Run): Promise<void> {
  const sub: Subscriber = { res, last: Number(req.headers['last-event-id'] ?? 0) || 0 };
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  // Live first (nothing is missed), then the history; entries seen twice are dropped by sequence.
  run.subscribers.add(sub);
  res.on('close', () => run.subscribers.delete(sub));
  follow(run.id);
  send(run, sub, (await cmd.xrange(key(run.id), `${sub.last + 1}-0`, '+')) as Entry[]);
}

async function events(res: ServerResponse, run: Run, body: Record<string, unknown>): Promise<void> {
  const start = body.start_id === undefined || body.start_id === '-' ? 1 : Number(body.start_id);
  const limit = typeof body.limit === 'number' ? body.limit : 100;
  const entries = (await cmd.xrange(key(run.id), `${start}-0`, '+', 'COUNT', limit + 1)) as Entry[];
  const page = entries.slice(0, limit);
  const items = page.map(([id, f]) => `{"id":"${id.slice(0, id.indexOf('-'))}",${f[3]!.slice(1)}`).join(',');
  const hasMore = entries.length > limit;
  const next = hasMore ? `"${start + page.length}"` : 'null';
  json(res, 200, `{"success":true,"message":"success","data":{"run_id":${run.id},"events":[${items}],"count":${page.length},"has_more":${hasMore},"next_id":${next}}}`);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://localhost');
  if (u.pathname === '/health') return json(res, 200, '{"success":true}');
  if (u.pathname === `${API}/runs/stream`) {
    const run = runs.get(Number(u.searchParams.get('id')));
    return run ? stream(req, res, run) : json(res, 404, '{"success":false,"error":"no such run"}');
  }
  if (req.method !== 'POST') return json(res, 404, '{"success":false,"error":"not found"}');
  const body = await readBody(req);
  if (u.pathname === `${API}/runs/start`) {
    const workload = workloads.get(String(body.hierarchy_id));
    if (!workload) return json(res, 404, '{"success":false,"error":"no such workload"}');
    const run: Run = { id: nextRunId++, workload, emitted: 0, subscribers: new Set() };
    runs.set(run.id, run);
    produce(run);
    return json(res, 200, `{"success":true,"data":{"id":${run.id},"status":"running"}}`);
  }
  if (u.pathname === `${API}/runs/events`) {
    const run = runs.get(Number(body.id));
    return run ? events(res, run, body) : json(res, 404, '{"success":false,"error":"no such run"}');
  }
  return json(res, 404, '{"success":false,"error":"not found"}');
}

/** Forgets every run and deletes its stream. */
async function reset(): Promise<void> {
  const ids = [...runs.keys()];
  for (const run of runs.values()) {
    run.halt?.();
    for (const sub of run.subscribers) sub.res.destroy();
  }
  runs.clear();
  cursors.clear();
  for (let i = 0; i < ids.length; i += 500) await cmd.del(...ids.slice(i, i + 500).map(key));
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
async function answer(msg: ServerRequest): Promise<ServerReply> {
  if (msg.type === 'workload') {
    const id = `w${nextWorkload++}`;
    workloads.set(id, msg.workload);
    return { type: 'workload', reqId: msg.reqId, hierarchyId: id };
  }
  if (msg.type === 'reset') {
    await reset();
    return { type: 'reset', reqId: msg.reqId };
  }
  if (!gc) return { type: 'error', reqId: msg.reqId, error: 'gc is not exposed: fork with --expose-gc' };
  gc();
  gc();
  return { type: 'memory', reqId: msg.reqId, usage: process.memoryUsage() };
}
process.on('message', (msg: ServerRequest) => {
  answer(msg).then((r) => process.send!(r), (err: unknown) => process.send!({ type: 'error', reqId: msg.reqId, error: String(err) }));
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  reset().finally(() => {
    cmd.disconnect();
    reader.disconnect();
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
