/**
 * redis-scale's table rows: the events/s row (3 processes ÷ 1, the no-regression figure), then
 * CPU per delivered event over the Cadre processes + Redis for three processes against one, for
 * followers placed round-robin, on a non-owner and on the owner. issue-targets.ts judges target 5
 * on the `CPU_METRIC` rows; the `cadre` column is the three-process case, the next one, one process.
 */
import { checksOf, row, type BenchContext } from './context.ts';
import type { ScaleFigures } from './redis-scale.ts';

export const CPU_METRIC = 'CPU per delivered event, Cadre processes + Redis';
export const OTHER_CASE = 'followers on a non-owner';
export const OWNER_CASE = 'followers on the owner';

type Figures = Record<string, ScaleFigures | { error: string }>;

const ok = (f: ScaleFigures | { error: string } | undefined): f is ScaleFigures => f !== undefined && !('error' in f);

/** What a case's CPU figure is made of: Cadre per process, Redis, PostgreSQL (outside the sum). */
function split(f: ScaleFigures): string {
  const lost = f.postgres_backends_lost ? `, ${f.postgres_backends_lost} backends lost` : '';
  return `${f.timed_out ? 'TIMED OUT; ' : ''}Cadre ${f.cadre_us_per_event} (${f.cadre_ms.map((ms) => Math.round(ms)).join('/')} ms) + Redis ${f.redis_us_per_event}; PostgreSQL ${f.postgres_us_per_event} not in the sum (${f.postgres_backends} backends${lost})`;
}

function caseChecks(name: string, f: ScaleFigures | { error: string } | undefined, runs: number): string {
  if (!ok(f)) return `${name}: ${f?.error.slice(0, 80) ?? 'not run'}`;
  const stored = f.stored_events !== undefined && f.stored_events !== f.events ? `, STORED ${f.stored_events} ≠ RECEIVED ${f.events}` : '';
  const placed = f.on_owner !== undefined ? `, on owner ${f.on_owner}/${runs}, replayed ${f.replayed_before_connect}, last owned +${f.owned_after_ms} ms` : '';
  return `${name}: ${checksOf(f)}${stored}${placed}, runs per process ${Object.values(f.runs_per_owner).join('/')}`;
}

export function pushScaleRows(ctx: BenchContext, runs: number, figures: Figures): void {
  const value = (name: string, key: 'events_per_s' | 'cpu_us_per_event') => {
    const f = figures[name];
    return ok(f) ? f[key] : null;
  };
  const one = figures['1'];
  const oneSplit = ok(one) ? `; 1p: ${split(one)}` : '';
  // `cadre` = three processes, the next column one: ratio = 3 processes ÷ 1.
  const kase = `${runs} runs, 3 vs 1 processes, Redis + PostgreSQL`;
  const rrChecks = ['1', '3'].map((n) => caseChecks(`${n}p`, figures[n], runs)).join('; ');
  ctx.rows.push(row('redis-scale', kase, 'events/s delivered', 'ev/s', { cadre: value('3', 'events_per_s'), 'cadre-1-process': value('1', 'events_per_s') }, rrChecks));
  const three = figures['3'];
  ctx.rows.push(row('redis-scale', kase, CPU_METRIC, 'µs', { cadre: value('3', 'cpu_us_per_event'), 'cadre-1-process': value('1', 'cpu_us_per_event') },
    `${ok(three) ? `3p: ${split(three)}` : caseChecks('3p', three, runs)}${oneSplit}`));
  for (const [name, label] of [['3-other', OTHER_CASE], ['3-owner', OWNER_CASE]] as const) {
    const f = figures[name];
    ctx.rows.push(row('redis-scale', `${runs} runs, 3 processes, ${label}, vs 1`, CPU_METRIC, 'µs', { cadre: value(name, 'cpu_us_per_event'), 'cadre-1-process': value('1', 'cpu_us_per_event') },
      `${caseChecks('3p', f, runs)}${ok(f) ? `; ${split(f)}; ${f.events_per_s} ev/s` : ''}`));
  }
}
