/**
 * Memory per active run tree: server RSS and heap after a full gc with no runs, then with N
 * runs live (slow tokens so they stay live; all `running`), (live − idle) ÷ N, for each N (full:
 * 200 and 2,000, on fresh server processes each). The runs are cancelled afterwards. The
 * baseline figure is a live stream of the minimal pipeline.
 */
import { mapLimit, postJson } from '../http-json.ts';
import { attempt, row, templateOf, type BenchContext } from './context.ts';
import type { Target } from '../targets/target.ts';
import type { TemplateEvent } from '../protocol.ts';

interface MemoryFigures {
  runs: number;
  all_running: boolean;
  agents_per_run: number | null;
  idle: NodeJS.MemoryUsage;
  live: NodeJS.MemoryUsage;
  rss_per_run_kb: number;
  heap_per_run_kb: number;
}

export async function memory(ctx: BenchContext): Promise<void> {
  let template: TemplateEvent[] | undefined;
  for (const runs of ctx.quick ? [30] : [200, 2000]) template = await memoryAt(ctx, runs, template);
}

/** The figures at `runs` live runs; answers the template the baseline replays (from Cadre's first run). */
async function memoryAt(ctx: BenchContext, runs: number, known: TemplateEvent[] | undefined): Promise<TemplateEvent[] | undefined> {
  let template = known;
  const workload = { name: 'memory', tokenDelayMs: 200, replyTokens: 40 };
  ctx.log(`memory: ${runs} live runs (token_delay_ms ${workload.tokenDelayMs}), on fresh server processes`);
  const figures: Record<string, MemoryFigures | { error: string }> = {};
  // RSS never shrinks back after earlier scenarios' peaks: only a fresh process says what runs cost.
  const fresh = ctx.freshTargets();
  for (const target of [fresh.cadre, ...fresh.baselines] as Target[]) {
    figures[target.name] = await attempt(ctx, `${target.name} memory`, target, async () => {
      await target.launch();
      try {
        return await measure(target);
      } finally {
        await target.stop();
      }
    });
  }
  async function measure(target: Target): Promise<MemoryFigures> {
    const hierarchyId = await target.prepare({ ...workload, ...(template && { template }) });
    if (target === fresh.cadre) {
      // A few fast runs first, so code compiled on first use is in the idle figure, not the per-run one.
      const warm = await fresh.cadre.prepare({ name: 'memory-warm-up', tokenDelayMs: 0, replyTokens: 10 });
      const w = await ctx.pool.streams(fresh.cadre.base, { start: { hierarchyId: warm, count: 3, taskPrefix: 'warm-up' }, subscribersPerRun: 1, deadlineMs: 60_000 });
      if (w.counters.complete !== 3) throw new Error(`memory warm-up: ${w.counters.complete}/3 runs completed`);
    }
    const idle = await target.memory();
    const ids = await mapLimit(Array.from({ length: runs }, (_, i) => i), 16, async (i) =>
      (await postJson<{ id: number }>(`${target.base}/runs/start`, { hierarchy_id: hierarchyId, task: `memory ${i}` })).data.id);
    try {
      const allRunning = await target.waitRunning(ids, 60_000);
      const agents = target === fresh.cadre ? await fresh.cadre.agentsOf(ids[0]!) : null;
      const live = await target.memory();
      const kb = (a: number, b: number) => Math.round((a - b) / runs / 1024 * 10) / 10;
      const f: MemoryFigures = {
        runs, all_running: allRunning, agents_per_run: agents, idle, live,
        rss_per_run_kb: kb(live.rss, idle.rss), heap_per_run_kb: kb(live.heapUsed, idle.heapUsed),
      };
      ctx.log(`  ${target.name}: ${f.rss_per_run_kb} KB RSS, ${f.heap_per_run_kb} KB heap per run (${agents ?? '—'} agents per tree; all running: ${allRunning})`);
      return f;
    } finally {
      await target.cancel(ids);
      if (target === fresh.cadre && !template) template = templateOf(await fresh.cadre.history(ids[0]!));
    }
  }
  ctx.details.memory = { ...(ctx.details.memory as object | undefined), [String(runs)]: figures };
  const pick = (k: 'rss_per_run_kb' | 'heap_per_run_kb') => Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, 'error' in f ? null : f[k]]));
  const c = figures.cadre;
  const checks = c && !('error' in c) ? `${c.agents_per_run} agents per tree, all running: ${c.all_running ? 'yes' : 'NO'}` : `cadre: ${(c as { error: string }).error}`;
  ctx.rows.push(row('memory', `${runs} live runs`, 'RSS per run tree', 'KB', pick('rss_per_run_kb'), checks));
  ctx.rows.push(row('memory', `${runs} live runs`, 'heap per run tree', 'KB', pick('heap_per_run_kb')));
  return template;
}
