/**
 * Fan-out: many SSE subscribers on one server process — (a) spread over runs, (b) all on one
 * run. Runs are started first, then the subscribers connect (a bounded number of connection
 * attempts at a time per client); a subscriber that connects after events were sent gets them
 * as history first. "Full stream" = terminal event, close, and sequences 1..N without gap.
 */
import { postJson } from '../http-json.ts';
import { fileLimit } from '../report.ts';
import { attempt, checksOf, settle, row, summarise, unloadedTemplate, type BenchContext, type Summary } from './context.ts';
import type { Target } from '../targets/target.ts';

export async function fanout(ctx: BenchContext): Promise<void> {
  const shapes = ctx.quick ? [{ runs: 5, per: 40 }, { runs: 1, per: 500 }] : [{ runs: 100, per: 100 }, { runs: 1, per: 10_000 }];
  // Short runs (no reasoning, one-word answers) whose tokens are slow enough that the runs are
  // still live while every subscriber connects.
  const workload = { name: 'fanout', tokenDelayMs: ctx.quick ? 20 : 50, replyTokens: 1, reasoning: false };
  const deadlineMs = ctx.quick ? 6_000 : 60_000;
  const cases: Record<string, unknown> = { token_delay_ms: workload.tokenDelayMs, reply_tokens: workload.replyTokens, reasoning: false, client_processes: ctx.fanoutPool.size };
  // The server holds every subscriber's socket: fail clearly rather than with EMFILE halfway.
  const needed = Math.max(...shapes.map((s) => s.runs * s.per)) + 1024;
  const limit = fileLimit();
  if (limit < needed) throw new Error(`ulimit -n is ${limit}; fan-out needs about ${needed} open files in the server process: raise it (npm run bench raises the soft limit to the hard one)`);
  const template = await unloadedTemplate(ctx, workload, deadlineMs);
  for (const { runs, per } of shapes) {
    const label = `${runs} run${runs > 1 ? 's' : ''} × ${per} subs`;
    ctx.log(`fan-out: ${label} (${runs * per} subscribers${ctx.quick ? '; QUICK: the full run uses 10,000' : ''})`);
    const figures: Record<string, Summary | { error: string }> = {};
    for (const target of [ctx.cadre, ...ctx.baselines] as Target[]) {
      figures[target.name] = await attempt(ctx, `${target.name} fan-out ${label}`, target, async () => {
        const hierarchyId = await target.prepare({ ...workload, template });
        const ids: number[] = [];
        for (let i = 0; i < runs; i++) ids.push((await postJson<{ id: number }>(`${target.base}/runs/start`, { hierarchy_id: hierarchyId, task: `fan-out ${i}` })).data.id);
        const outcome = await ctx.fanoutPool.streams(target.base, { runIds: ids, subscribersPerRun: per, deadlineMs });
        await settle(target, outcome, ids);
        const s = summarise(outcome);
        ctx.log(`  ${target.name}: ${s.complete}/${s.streams} full streams, ${s.events} events in ${s.wall_ms} ms = ${s.events_per_s}/s; connect phase ${s.connect_phase_ms} ms; all open at once: ${s.all_open_at_once}; ${checksOf(s)}`);
        return s;
      });
    }
    cases[label] = figures;
    const pick = (k: 'complete' | 'events_per_s') => Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, 'error' in f ? null : f[k]]));
    const c = figures.cadre;
    const checks = c && !('error' in c) ? `${checksOf(c)}; all open at once: ${c.all_open_at_once ? 'yes' : 'no'}` : `cadre: ${(c as { error: string }).error}`;
    ctx.rows.push(row('fan-out', label, 'subscribers with full stream', 'subs', pick('complete'), checks));
    ctx.rows.push(row('fan-out', label, 'events/s delivered', 'ev/s', pick('events_per_s')));
  }
  ctx.details.fanout = cases;
}
