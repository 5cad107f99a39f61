/**
 * Throughput: N concurrent runs at token_delay_ms 0, one SSE subscriber per run, started and
 * followed by the client processes. events/s = events received by the clients ÷ wall time from
 * handing out the jobs until every stream closed. CPU per event = the server process's CPU time
 * over the case (all its threads, /proc) ÷ events delivered. Besides the replaying baseline, the
 * batched ceiling (`raw-batched`: the same in-memory pipeline writing 16 events of a run per loop
 * turn in one write) is measured in the same run: Cadre batches a run's events per tick too.
 */
import { attempt, checksOf, settle, row, summarise, unloadedTemplate, type BenchContext, type Summary } from './context.ts';
import type { Target } from '../targets/target.ts';
import { MemoryTarget } from '../targets/memory-target.ts';
import type { TemplateEvent } from '../protocol.ts';

export async function throughput(ctx: BenchContext): Promise<void> {
  const counts = ctx.runCounts ?? (ctx.quick ? [1, 10] : [1, 10, 100, 1000]);
  // Short answers: ~500 events per run, mostly supervisors' reasoning and tool-call tokens.
  const replyTokens = 10;
  const deadlineFor = (runs: number) => (ctx.quick ? 20_000 : 90_000);
  const cases: Record<string, unknown> = {};
  // The baseline replays a whole Cadre run (all runs are alike). Making it first also warms the
  // Cadre process up (JIT, the SQLite writer thread, the ORM's generated code), so the cases
  // measure a warm service, as a long-running one is: a cold first run took ~1 s against
  // ~0.15 s warm.
  const template: TemplateEvent[] = await unloadedTemplate(ctx, { name: 'throughput', tokenDelayMs: 0, replyTokens }, deadlineFor(1));
  const ceiling = new MemoryTarget({ name: 'raw-batched', script: './targets/memory-server.ts', pacing: 'batch' });
  await ceiling.launch();
  try {
    await measure(ctx, counts, replyTokens, template, ceiling, deadlineFor, cases);
  } finally {
    await ceiling.stop();
  }
  ctx.details.throughput = cases;
  // Durable runs: every run above was checkpointed after each settled step (13-agent trees).
  const checkpoints = await ctx.cadre.checkpointFigures();
  ctx.details.checkpoints = checkpoints;
  ctx.log(`checkpoints: ${checkpoints.count} stored, mean ${checkpoints.mean_bytes} B, largest ≤ ${checkpoints.largest_bytes_at_most ?? '?'} B, mean ${checkpoints.mean_ms} ms to store`);
  ctx.rows.push(row('throughput', 'all runs above', 'checkpoint size (13-agent tree), mean', 'B', { cadre: checkpoints.mean_bytes }, `${checkpoints.count} checkpoints; largest ≤ ${checkpoints.largest_bytes_at_most ?? '?'} B; mean store ${checkpoints.mean_ms} ms`));
}

async function measure(ctx: BenchContext, counts: number[], replyTokens: number, template: TemplateEvent[], ceiling: Target,
  deadlineFor: (runs: number) => number, cases: Record<string, unknown>): Promise<void> {
  for (const runs of counts) {
    const deadlineMs = deadlineFor(runs);
    ctx.log(`throughput: ${runs} concurrent runs (reply_tokens ${replyTokens}, token_delay_ms 0)`);
    const figures: Record<string, Summary & { cpu_ms: number; cpu_us_per_event: number | null; stored_events?: number } | { error: string }> = {};
    for (const target of [ctx.cadre, ...ctx.baselines, ceiling] as Target[]) {
      figures[target.name] = await attempt(ctx, `${target.name} throughput ${runs}`, target, async () => {
        const workload = { name: 'throughput', tokenDelayMs: 0, replyTokens, template };
        const hierarchyId = await target.prepare(workload);
        const cpuBefore = await target.cpuMs();
        const outcome = await ctx.pool.streams(target.base, { start: { hierarchyId, count: runs, taskPrefix: 'throughput' }, subscribersPerRun: 1, deadlineMs, clients: runs });
        const cpuMs = (await target.cpuMs()) - cpuBefore;
        const s = { ...summarise(outcome), cpu_ms: cpuMs, cpu_us_per_event: outcome.counters.events > 0 ? Math.round((cpuMs * 10_000) / outcome.counters.events) / 10 : null };
        // A run past the deadline has not stored all its events yet: nothing to compare.
        const stored = outcome.counters.timedOut ? undefined : await target.storedEvents(outcome.counters.runIds);
        await settle(target, outcome, outcome.counters.runIds);
        ctx.log(`  ${target.name}: ${s.events} events in ${s.wall_ms} ms = ${s.events_per_s}/s, CPU ${s.cpu_us_per_event} µs/event; ${checksOf(s)}${stored !== undefined ? `; stored ${stored}` : ''}`);
        return stored === undefined ? s : { ...s, stored_events: stored };
      });
    }
    cases[String(runs)] = { runs, reply_tokens: replyTokens, deadline_ms: deadlineMs, baseline_events_per_run: template.length, ...figures };
    const value = (name: string, key: 'events_per_s' | 'cpu_us_per_event') => {
      const f = figures[name];
      return f && !('error' in f) ? f[key] : null;
    };
    const values = (key: 'events_per_s' | 'cpu_us_per_event') => Object.fromEntries(Object.keys(figures).map((n) => [n, value(n, key)]));
    const c = figures.cadre;
    const checks = c && !('error' in c) ? `${checksOf(c)}${c.stored_events !== undefined && c.stored_events !== c.events ? `; STORED ${c.stored_events} ≠ RECEIVED ${c.events}` : ''}` : `cadre: ${(c as { error: string }).error}`;
    const kase = `${runs} run${runs > 1 ? 's' : ''}`;
    const rate = values('events_per_s');
    const toCeiling = rate.cadre != null && rate[ceiling.name] ? `; ÷ ${ceiling.name} ${(rate.cadre / rate[ceiling.name]!).toFixed(2)}×` : '';
    ctx.rows.push(row('throughput', kase, 'events/s delivered', 'ev/s', rate, `${checks}${toCeiling}`));
    ctx.rows.push(row('throughput', kase, 'server CPU per delivered event', 'µs', values('cpu_us_per_event'), 'process CPU time (all threads) over the case ÷ events delivered'));
  }
}
