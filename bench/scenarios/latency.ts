/**
 * Latency: event timestamp (stamped by the sink) → frame parsed by the client, for events
 * stamped after the client's stream opened (earlier ones are history, counted apart). N
 * concurrent runs at token_delay_ms 20, one subscriber each. The baseline replays an unloaded
 * Cadre run on its timeline, so it offers the same load at the nominal pace.
 */
import { attempt, checksOf, settle, row, summarise, unloadedTemplate, type BenchContext, type Summary } from './context.ts';
import type { Target } from '../targets/target.ts';

export async function latency(ctx: BenchContext): Promise<void> {
  const counts = ctx.runCounts ?? (ctx.quick ? [10] : [100, 1000]);
  // Quick: the fan-out workload (one-word answers), so both share one template run.
  const replyTokens = ctx.quick ? 1 : 10;
  const tokenDelayMs = 20;
  const deadlineMs = ctx.quick ? 15_000 : 90_000;
  // Short runs (no reasoning block) so 1,000 of them finish within the deadline.
  const workload = { name: 'latency', tokenDelayMs, replyTokens, reasoning: false };
  const template = await unloadedTemplate(ctx, workload, deadlineMs);
  const cases: Record<string, unknown> = { template: { events: template.length, duration_ms: template.at(-1)?.offsetMs ?? null } };
  for (const runs of counts) {
    ctx.log(`latency: ${runs} concurrent runs (token_delay_ms ${tokenDelayMs}, reply_tokens ${replyTokens}, no reasoning)`);
    const figures: Record<string, Summary | { error: string }> = {};
    for (const target of [ctx.cadre, ...ctx.baselines] as Target[]) {
      figures[target.name] = await attempt(ctx, `${target.name} latency ${runs}`, target, async () => {
        const id = await target.prepare({ ...workload, template });
        const outcome = await ctx.pool.streams(target.base, { start: { hierarchyId: id, count: runs, taskPrefix: 'latency' }, subscribersPerRun: 1, deadlineMs });
        await settle(target, outcome, outcome.counters.runIds);
        const s = summarise(outcome);
        ctx.log(`  ${target.name}: p50 ${s.latency_ms.p50} p95 ${s.latency_ms.p95} p99 ${s.latency_ms.p99} max ${s.latency_ms.max} ms over ${s.latency_ms.samples} live events (${s.replayed_before_connect} replayed); ${checksOf(s)}`);
        return s;
      });
    }
    cases[String(runs)] = { runs, token_delay_ms: tokenDelayMs, reply_tokens: replyTokens, reasoning: false, deadline_ms: deadlineMs, ...figures };
    const c = figures.cadre;
    const checks = c && !('error' in c) ? `${checksOf(c)}; ${c.latency_ms.samples} live samples, ${c.replayed_before_connect} replayed` : `cadre: ${(c as { error: string }).error}`;
    for (const p of ['p50', 'p95', 'p99', 'max'] as const) {
      const values = Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, 'error' in f ? null : f.latency_ms[p]]));
      ctx.rows.push(row('latency', `${runs} runs, 20 ms tokens`, `delivery ${p}`, 'ms', values, p === 'p99' ? checks : ''));
    }
  }
  ctx.details.latency = cases;
}
