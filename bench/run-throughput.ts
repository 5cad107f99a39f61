/**
 * Benchmark: concurrent runs on the simulated model, end to end through HTTP and SSE.
 * Prints events/s stored and delivered, SSE delivery latency (event timestamp → frame parsed
 * by the subscriber) p50/p95/p99, and how long a 1,000-event history takes to replay.
 *
 *   npm run bench -- [runs=50] [replyTokens=40] [tokenDelayMs=2] [subscribersPerRun=2]
 *   DATABASE_URL=postgres://… npm run bench   (any backend; default a temporary SQLite file)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initORM } from '../src/store/init-orm.ts';
import { parseDatabaseUrl } from '../src/store/database-config.ts';
import { Store } from '../src/store/store.ts';
import { composeService } from '../src/compose.ts';

const [runs = 50, replyTokens = 40, tokenDelayMs = 2, subscribers = 2] = process.argv.slice(2).map(Number);
const file = join(tmpdir(), `cadre-bench-${process.pid}.sqlite`);
const database = parseDatabaseUrl(process.env.DATABASE_URL ?? file);
const store = new Store(await initORM({ database }));
const service = composeService(store, { sseHeartbeatMs: 15_000 });
const server = createServer(service.app.callback());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/executor/v1`;
const post = async (path: string, body: unknown) => (await (await fetch(base + path, { method: 'POST', body: JSON.stringify(body) })).json()) as any;

const model = await post('/models/create', {
  name: `bench-${Date.now()}`, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: tokenDelayMs, reply_tokens: replyTokens },
});
const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.data.id } });
const hierarchy = await post('/hierarchies/create', {
  name: `bench-${Date.now()}`, execution_mode: 'parallel', global_supervisor_agent: agent('You coordinate.'),
  teams: ['A', 'B'].map((t) => ({
    name: t, team_supervisor_agent: agent('You lead.'),
    workers: ['x', 'y'].map((w) => ({ name: `${t}${w}`, role: 'analyst', ...agent(`You are ${t}${w}, an analyst.`) })),
  })),
});

/** Follows one run's SSE stream to the end; returns per-event delivery latencies (ms). */
async function follow(runId: number): Promise<number[]> {
  const res = await fetch(`${base}/runs/stream?id=${runId}`);
  const decoder = new TextDecoder();
  const latencies: number[] = [];
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: {"run_id"'));
      if (data) latencies.push(Date.now() - Date.parse(JSON.parse(data.slice(6)).timestamp));
    }
  }
  return latencies;
}

const started = performance.now();
const ids: number[] = [];
for (let i = 0; i < runs; i++) ids.push((await post('/runs/start', { hierarchy_id: hierarchy.data.id, task: `bench task ${i}` })).data.id);
const latencies = (await Promise.all(ids.flatMap((id) => Array.from({ length: subscribers }, () => follow(id))))).flat();
const seconds = (performance.now() - started) / 1000;
const finals = await Promise.all(ids.map((id) => post('/runs/get', { id })));
const stored = finals.reduce((n, r) => n + (r.data.statistics?.event_count ?? 0), 0);
const completed = finals.filter((r) => r.data.status === 'completed').length;

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const replayStart = performance.now();
const history = await post('/runs/events', { id: ids[0], limit: 1000 });
const replayMs = performance.now() - replayStart;

console.log(JSON.stringify({
  backend: database.driver, runs, completed, subscribers_per_run: subscribers, reply_tokens: replyTokens, token_delay_ms: tokenDelayMs,
  wall_s: +seconds.toFixed(2), events_stored: stored, events_per_s: Math.round(stored / seconds),
  frames_delivered: latencies.length, frames_per_s: Math.round(latencies.length / seconds),
  latency_ms: { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1) },
  history_read: { events: history.data.count, ms: +replayMs.toFixed(1) },
}, null, 2));

await service.stop(5000);
server.close();
await store.close();
if (!process.env.DATABASE_URL) await Promise.all(['', '-wal', '-shm'].map((s) => rm(file + s, { force: true })));
