/**
 * History: one ended run of ≥ 10,000 events; time runs/events for all of it (pages of the
 * schema's maximum, 1,000, following next_id) and an SSE replay of the whole run (until
 * `close`). Median of several repeats; the baseline serves the same events from memory.
 */
import { attempt, row, templateOf, type BenchContext } from './context.ts';
import type { Target } from '../targets/target.ts';
import type { HistoryResult, TemplateEvent } from '../protocol.ts';

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
};

/** reply_tokens per worker so 9 workers alone emit more than 10,000 token events (quick: ~2,300 events). */
const REPLY_TOKENS = 1150;
const QUICK_REPLY_TOKENS = 200;
const MIN_EVENTS = 10_000;

export async function history(ctx: BenchContext): Promise<void> {
  const repeats = ctx.quick ? 3 : 5;
  const workload = { name: 'history', tokenDelayMs: 0, replyTokens: ctx.quick ? QUICK_REPLY_TOKENS : REPLY_TOKENS };
  const minEvents = ctx.quick ? 2_000 : MIN_EVENTS;
  if (ctx.quick) ctx.log('history: QUICK — a ~2,300-event run; the full run uses ≥ 10,000 events');
  let template: TemplateEvent[] | undefined;
  const figures: Record<string, (HistoryResult & { run_events: number | null; events_ms_median: number | null; replay_ms_median: number | null }) | { error: string }> = {};
  for (const target of [ctx.cadre, ...ctx.baselines] as Target[]) {
    figures[target.name] = await attempt(ctx, `${target.name} history`, target, async () => {
      const hierarchyId = await target.prepare({ ...workload, ...(template && { template }) });
      const made = await ctx.pool.streams(target.base, { start: { hierarchyId, count: 1, taskPrefix: 'history' }, subscribersPerRun: 1, deadlineMs: 120_000, clients: 1 });
      const runId = made.counters.runIds[0];
      if (runId === undefined || made.counters.complete !== 1) throw new Error(`the history run did not complete: ${[...made.clientErrors, ...made.counters.errors].join('; ')}`);
      const stored = await target.storedEvents([runId]);
      if (target === ctx.cadre) {
        if (stored === undefined || stored < minEvents) throw new Error(`the history run has ${stored} events, fewer than ${minEvents}: raise REPLY_TOKENS`);
        template = templateOf(await ctx.cadre.history(runId));
      }
      const r = await ctx.pool.history(target.base, runId, repeats, 120_000);
      const f = { ...r, run_events: stored ?? made.counters.events, events_ms_median: median(r.eventsMs), replay_ms_median: median(r.replayMs) };
      ctx.log(`  ${target.name}: run ${runId}, ${f.run_events} events: runs/events ${f.events_ms_median} ms (${r.pages} pages), SSE replay ${f.replay_ms_median} ms (median of ${repeats}); replay ${r.replay.complete}/${r.replay.streams} complete`);
      await target.cancel([runId]);
      return f;
    });
  }
  ctx.details.history = figures;
  const pick = (k: 'events_ms_median' | 'replay_ms_median') => Object.fromEntries(Object.entries(figures).map(([n, f]) => [n, 'error' in f ? null : f[k]]));
  const c = figures.cadre;
  const checks = (what: 'events' | 'replay') => {
    if (!c || 'error' in c) return `cadre: ${(c as { error: string }).error}`;
    if (what === 'events') return `${c.eventsCount.join('/')} events returned of ${c.run_events}${c.errors.length ? `; errors: ${c.errors[0]}` : ''}`;
    const rp = c.replay;
    return `${rp.complete}/${rp.streams} replays complete, ${rp.events / Math.max(1, rp.streams)} events each, cross-run ${rp.crossRun}, gaps ${rp.gaps}`;
  };
  const label = `${(c && !('error' in c) ? c.run_events : null) ?? `≥${minEvents}`}-event run`;
  ctx.rows.push(row('history', label, 'runs/events, all pages', 'ms', pick('events_ms_median'), checks('events')));
  ctx.rows.push(row('history', label, 'SSE replay until close', 'ms', pick('replay_ms_median'), checks('replay')));
}
