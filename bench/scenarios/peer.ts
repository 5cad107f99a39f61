/**
 * A peer side by side: the LangGraph JS API server (bench/peer: @langchain/langgraph-api,
 * in-memory, offline) running the same 13-agent supervisor → team → worker shape with a fake
 * streaming model, beside Cadre in the same run, with the same client processes: throughput at
 * token_delay_ms 0 (events/s, server CPU per delivered event), delivery latency at 20 ms tokens,
 * memory per live run on fresh processes. The peer streams, per run, as many model tokens as
 * Cadre's simulated model does for the same workload (counted on an unloaded Cadre run), spread
 * evenly over its 17 model turns. See BENCHMARKS.md, "Peer: LangGraph API server".
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mapLimit, postJson } from '../http-json.ts';
import type { StreamsOutcome } from '../client-pool.ts';
import type { TemplateEvent } from '../protocol.ts';
import { LangGraphTarget, PEER_ASSISTANT, PEER_TURNS } from '../targets/langgraph-target.ts';
import type { Target, Workload } from '../targets/target.ts';
import { attempt, checksOf, row, settle, summarise, unloadedTemplate, type BenchContext, type Summary } from './context.ts';

const PEER_DIR = fileURLToPath(new URL('../peer/', import.meta.url));

/** Installs bench/peer's pinned packages when missing (npm ci); the reason to skip if that fails. */
export async function peerSkipReason(): Promise<string | null> {
  if (existsSync(`${PEER_DIR}node_modules/@langchain/langgraph-api/package.json`)) return null;
  process.stderr.write('peer: installing bench/peer (npm ci --prefix bench/peer)…\n');
  const r = spawnSync('npm', ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return null;
  const why = (r.error?.message ?? `${r.stderr}`.trim().split('\n').slice(-3).join(' ')) || `exit ${r.status}`;
  return `peer: skipped — npm ci --prefix bench/peer failed: ${why.slice(0, 300)}`;
}

/** Model tokens one Cadre run of this workload streams (its llm stream + reasoning events). */
function tokenEvents(template: TemplateEvent[]): number {
  return template.filter((e) => e.event.category === 'llm' && (e.event.action === 'stream' || e.event.action === 'reasoning')).length;
}

interface Side { target: Target; peer?: { configurable: Record<string, unknown>; expectedChunks: number } }

/** The peer's half of a workload: tokens per turn so its run streams Cadre's token count. */
function peerPace(w: Workload, template: TemplateEvent[]) {
  const tokensPerTurn = Math.max(1, Math.round(tokenEvents(template) / PEER_TURNS));
  return { configurable: { tokens_per_turn: tokensPerTurn, token_delay_ms: w.tokenDelayMs }, expectedChunks: tokensPerTurn * PEER_TURNS };
}

async function streams(ctx: BenchContext, side: Side, w: Workload, runs: number, deadlineMs: number): Promise<StreamsOutcome> {
  const hierarchyId = await side.target.prepare(w);
  const start = { hierarchyId, count: runs, taskPrefix: w.name };
  return ctx.pool.streams(side.target.base, { start, subscribersPerRun: 1, deadlineMs, ...(side.peer && { peer: { assistantId: PEER_ASSISTANT, ...side.peer } }) });
}

type Figures = Summary & { cpu_ms: number; cpu_us_per_event: number | null; events_per_run: number };

export async function peer(ctx: BenchContext): Promise<void> {
  const runs = ctx.quick ? 20 : 100;
  const deadlineMs = ctx.quick ? 30_000 : 120_000;
  const details: Record<string, unknown> = {};
  const lg = new LangGraphTarget();
  await lg.launch();
  try {
    // What each server burns doing nothing (the peer's idle queue workers poll), so the CPU per
    // event below can be read with it: ms of CPU per s of wall time over 2 s with no runs.
    const idle: Record<string, number> = {};
    for (const t of [ctx.cadre, lg] as Target[]) {
      const before = await t.cpuMs();
      await new Promise((r) => setTimeout(r, 2000));
      idle[t.name] = ((await t.cpuMs()) - before) / 2;
    }
    details.idle_cpu_ms_per_s = idle;
    ctx.log(`peer: idle CPU ${Object.entries(idle).map(([n, v]) => `${n} ${v} ms/s`).join(', ')}`);
    for (const kase of [
      { key: 'throughput', w: { name: 'peer-throughput', tokenDelayMs: 0, replyTokens: 10 } },
      { key: 'latency', w: { name: 'peer-latency', tokenDelayMs: 20, replyTokens: 10, reasoning: false } },
    ]) {
      const template = await unloadedTemplate(ctx, kase.w, deadlineMs);
      const pace = peerPace(kase.w, template);
      ctx.log(`peer ${kase.key}: ${runs} runs; Cadre ${template.length} events per run (${tokenEvents(template)} model tokens); LangGraph ${pace.configurable.tokens_per_turn} tokens × ${PEER_TURNS} turns`);
      // The peer's first runs compile its code paths, as Cadre's template run did for Cadre.
      if (kase.key === 'throughput') await streams(ctx, { target: lg, peer: pace }, kase.w, 3, deadlineMs);
      const figures: Record<string, Figures | { error: string }> = {};
      for (const side of [{ target: ctx.cadre }, { target: lg, peer: pace }] as Side[]) {
        figures[side.target.name] = await attempt(ctx, `${side.target.name} peer ${kase.key}`, side.target, async () => {
          const cpuBefore = await side.target.cpuMs();
          const o = await streams(ctx, side, kase.w, runs, deadlineMs);
          const cpuMs = (await side.target.cpuMs()) - cpuBefore;
          await settle(side.target, o, o.counters.runIds);
          const s = summarise(o);
          const f = { ...s, cpu_ms: cpuMs, cpu_us_per_event: s.events ? Math.round((cpuMs * 10_000) / s.events) / 10 : null, events_per_run: Math.round(s.events / runs) };
          ctx.log(`  ${side.target.name}: ${s.events} events (${f.events_per_run}/run) in ${s.wall_ms} ms = ${s.events_per_s}/s, CPU ${f.cpu_us_per_event} µs/event, p99 ${s.latency_ms.p99} ms; ${checksOf(s)}`);
          return f;
        });
      }
      details[kase.key] = { runs, workload: kase.w, peer_pace: pace.configurable, cadre_events_per_run: template.length, ...figures };
      const pick = (k: 'events_per_s' | 'cpu_us_per_event' | 'events_per_run') => Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, 'error' in f ? null : f[k]]));
      const checks = Object.entries(figures).map(([n, f]) => `${n}: ${'error' in f ? f.error.slice(0, 80) : checksOf(f)}`).join(' | ');
      const label = `${runs} runs, ${kase.w.tokenDelayMs} ms tokens`;
      ctx.rows.push(row('peer', label, 'events per run (Cadre event / LangGraph SSE frame)', 'ev', pick('events_per_run'), checks));
      if (kase.key === 'throughput') {
        ctx.rows.push(row('peer', label, 'events/s delivered', 'ev/s', pick('events_per_s')));
        ctx.rows.push(row('peer', label, 'server CPU per delivered event', 'µs', pick('cpu_us_per_event'), `process CPU time over the case ÷ events delivered; idle CPU ${Object.entries(idle).map(([n, v]) => `${n} ${v} ms/s`).join(', ')}`));
      } else {
        for (const p of ['p50', 'p99'] as const) {
          ctx.rows.push(row('peer', label, `delivery ${p}`, 'ms', Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, 'error' in f ? null : f.latency_ms[p]]))));
        }
      }
    }
  } finally {
    await lg.stop();
  }
  details.memory = await memoryCase(ctx, ctx.quick ? 30 : 200);
  ctx.details.peer = details;
}

/** RSS and heap per live run on fresh processes of both: (live − idle) ÷ runs, after a full gc each time. */
async function memoryCase(ctx: BenchContext, runs: number): Promise<Record<string, unknown>> {
  const w: Workload = { name: 'peer-memory', tokenDelayMs: 200, replyTokens: 40 };
  const template = await unloadedTemplate(ctx, w, 120_000);
  const pace = peerPace(w, template);
  const warm: Workload = { name: 'peer-memory-warm-up', tokenDelayMs: 0, replyTokens: 10 };
  const cadre = ctx.freshTargets().cadre;
  const lg = new LangGraphTarget();
  ctx.log(`peer memory: ${runs} live runs (token_delay_ms 200) on fresh processes`);
  const figures: Record<string, unknown> = {};
  const sides: Array<{ target: Target; start: () => Promise<number[]>; warmUp: () => Promise<StreamsOutcome> }> = [
    {
      target: cadre,
      warmUp: async () => streams(ctx, { target: cadre }, warm, 3, 60_000),
      start: async () => {
        const hierarchyId = await cadre.prepare(w);
        return mapLimit(Array.from({ length: runs }, (_, i) => i), 16, async (i) =>
          (await postJson<{ id: number }>(`${cadre.base}/runs/start`, { hierarchy_id: hierarchyId, task: `memory ${i}` })).data.id);
      },
    },
    {
      target: lg,
      warmUp: async () => streams(ctx, { target: lg, peer: peerPace(warm, await unloadedTemplate(ctx, warm, 60_000)) }, warm, 3, 60_000),
      start: () => lg.startBackground(runs, pace.configurable),
    },
  ];
  for (const side of sides) {
    figures[side.target.name] = await attempt(ctx, `${side.target.name} peer memory`, side.target, async () => {
      await side.target.launch();
      try {
        // Code compiled on first use belongs to the idle figure, not to the runs.
        const warmed = await side.warmUp();
        if (warmed.counters.complete !== 3) throw new Error(`warm-up: ${warmed.counters.complete}/3 runs complete`);
        const idle = await side.target.memory();
        const ids = await side.start();
        try {
          const allRunning = await side.target.waitRunning(ids, 60_000);
          const live = await side.target.memory();
          const kb = (a: number, b: number) => Math.round((a - b) / runs / 1024 * 10) / 10;
          const f = { runs, all_running: allRunning, idle_rss_mb: Math.round(idle.rss / 2 ** 20), rss_per_run_kb: kb(live.rss, idle.rss), heap_per_run_kb: kb(live.heapUsed, idle.heapUsed) };
          ctx.log(`  ${side.target.name}: ${f.rss_per_run_kb} KB RSS, ${f.heap_per_run_kb} KB heap per run (idle RSS ${f.idle_rss_mb} MB; all running: ${allRunning})`);
          return f;
        } finally {
          await side.target.cancel(ids);
        }
      } finally {
        await side.target.stop();
      }
    });
  }
  const pick = (k: 'rss_per_run_kb' | 'heap_per_run_kb') => Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, (f as Record<string, number>)[k] ?? null]));
  const checks = Object.entries(figures).map(([n, f]) => `${n}: ${'error' in (f as object) ? (f as { error: string }).error.slice(0, 80) : `all running ${(f as { all_running: boolean }).all_running ? 'yes' : 'NO'}`}`).join(' | ');
  ctx.rows.push(row('peer', `${runs} live runs, 200 ms tokens`, 'RSS per live run', 'KB', pick('rss_per_run_kb'), checks));
  ctx.rows.push(row('peer', `${runs} live runs, 200 ms tokens`, 'heap per live run', 'KB', pick('heap_per_run_kb')));
  return { workload: w, peer_pace: pace.configurable, ...figures };
}
