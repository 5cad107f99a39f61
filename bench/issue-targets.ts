/**
 * The targets, each judged against the figures of this run (from the table's rows).
 * A target whose figure was not measured in this mode (quick, --only) says so instead.
 */
import type { Row } from './scenarios/context.ts';

/** The old bench's figure: events/s delivered at 100 concurrent runs, before the issue. */
const OLD_EVENTS_PER_S_AT_100 = 6300;

export interface TargetCheck {
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'not measured';
}

const find = (rows: Row[], scenario: string, kase: string, metric: string) =>
  rows.find((r) => r.scenario === scenario && r.case.startsWith(kase) && r.metric === metric);

export function judgeTargets(rows: Row[], quick: boolean): TargetCheck[] {
  const out: TargetCheck[] = [];
  const fmt = (v: number | null | undefined, unit = '') => (v == null ? 'n/a' : `${Math.round(v).toLocaleString('en-US')}${unit}`);

  const t100 = find(rows, 'throughput', '100 runs', 'events/s delivered');
  const c = t100?.values.cadre;
  out.push(!t100 || c == null
    ? { target: '100 runs: ≥ 0.5× baseline events/s and ≥ 10× the old 6,300/s', measured: 'not measured at 100 runs', status: 'not measured' }
    : {
      target: '100 runs: ≥ 0.5× baseline events/s and ≥ 10× the old 6,300/s',
      measured: `${fmt(c, '/s')} = ${t100.ratio?.toFixed(2) ?? 'n/a'}× baseline, ${(c / OLD_EVENTS_PER_S_AT_100).toFixed(1)}× old`,
      status: (t100.ratio ?? 0) >= 0.5 && c >= 10 * OLD_EVENTS_PER_S_AT_100 ? 'met' : 'not met',
    });

  const l100 = find(rows, 'latency', '100 runs', 'delivery p99');
  const l1000 = find(rows, 'latency', '1000 runs', 'delivery p99');
  out.push(!l100 || l100.values.cadre == null
    ? { target: 'delivery p99 ≤ 50 ms at 100 runs, 20 ms tokens', measured: 'not measured at 100 runs', status: 'not measured' }
    : {
      target: 'delivery p99 ≤ 50 ms at 100 runs, 20 ms tokens',
      measured: `${fmt(l100.values.cadre, ' ms')} (1,000 runs: ${fmt(l1000?.values.cadre, ' ms')}${l1000?.checks.includes('TIMED OUT') ? ', timed out' : ''})`,
      status: l100.values.cadre <= 50 ? 'met' : 'not met',
    });

  const fan = rows.filter((r) => r.scenario === 'fan-out' && r.metric === 'subscribers with full stream');
  const full = fan.map((r) => ({ r, total: Number(/(\d+) run.* × (\d+) subs/.exec(r.case)?.slice(1).reduce((a, b) => Number(a) * Number(b), 1)) }));
  out.push(quick || fan.length === 0
    ? { target: '10,000 concurrent SSE subscribers on one process, all receiving', measured: quick ? 'quick mode uses 500 subscribers at most' : 'not measured', status: 'not measured' }
    : {
      target: '10,000 concurrent SSE subscribers on one process, all receiving',
      measured: full.map(({ r, total }) => `${r.case}: ${fmt(r.values.cadre)}/${fmt(total)} full${r.checks.includes('all open at once: yes') ? ', all open at once' : ', not all open at once'}`).join('; '),
      status: full.every(({ r, total }) => r.values.cadre === total && r.checks.includes('all open at once: yes')) ? 'met' : 'not met',
    });

  const rss = find(rows, 'memory', '', 'RSS per run tree');
  const heap = find(rows, 'memory', '', 'heap per run tree');
  out.push(!rss || rss.values.cadre == null
    ? { target: '≤ 100 KB of memory per active run tree', measured: 'not measured', status: 'not measured' }
    : {
      target: '≤ 100 KB of memory per active run tree',
      measured: `RSS ${fmt(rss.values.cadre, ' KB')}, heap ${fmt(heap?.values.cadre, ' KB')} per tree`,
      status: rss.values.cadre <= 100 && (heap?.values.cadre ?? Infinity) <= 100 ? 'met' : 'not met',
    });

  const rd = find(rows, 'redis', '100 runs', 'events/s delivered');
  out.push(!rd || rd.values.cadre == null
    ? { target: 'Redis, 100 runs: Cadre with REDIS_URL ≥ 0.5× the raw XADD/XREAD pipeline', measured: 'not measured', status: 'not measured' }
    : {
      target: 'Redis, 100 runs: Cadre with REDIS_URL ≥ 0.5× the raw XADD/XREAD pipeline',
      measured: `${fmt(rd.values.cadre, '/s')} vs ${fmt(rd.values['redis-raw'], '/s')} = ${rd.ratio?.toFixed(2) ?? 'n/a'}×`,
      status: (rd.ratio ?? 0) >= 0.5 ? 'met' : 'not met',
    });

  const sc = find(rows, 'redis-scale', '', 'events/s delivered');
  const scaleTarget = 'Redis + PostgreSQL: three Cadre processes move more events/s than one';
  // Both cases must also be clean: every stream complete, no cross-run frame, no gap, stored = received.
  const scaleClean = !!sc && [...sc.checks.matchAll(/(\d+)\/(\d+) complete, cross-run 0, gaps 0/g)].filter((m) => m[1] === m[2]).length === 2
    && !/STORED|TIMED OUT|errors|no terminal|never opened|after terminal/.test(sc.checks);
  out.push(!sc || sc.values.cadre == null || sc.values['cadre-1-process'] == null
    ? { target: scaleTarget, measured: sc ? `a case failed: ${sc.checks.slice(0, 120)}` : 'not measured', status: 'not measured' }
    : {
      target: scaleTarget,
      measured: `${sc.case.split(',')[0]}: 3 processes ${fmt(sc.values.cadre, '/s')} vs 1 ${fmt(sc.values['cadre-1-process'], '/s')} = ${sc.ratio?.toFixed(2) ?? 'n/a'}×${scaleClean ? ', checks clean' : ' (checks FAILED)'}`,
      status: (sc.ratio ?? 0) > 1 && scaleClean ? 'met' : 'not met',
    });

  const ev = rows.find((r) => r.scenario === 'history' && r.metric === 'runs/events, all pages');
  const rp = rows.find((r) => r.scenario === 'history' && r.metric === 'SSE replay until close');
  const events = Number(ev?.case.split('-')[0]);
  out.push(!ev || ev.values.cadre == null || !rp || rp.values.cadre == null || !(events >= 10_000)
    ? { target: '10,000-event history: runs/events ≤ 100 ms, SSE replay ≤ 300 ms', measured: ev ? `${ev.case} (under 10,000 events${quick ? ', quick' : ''})` : 'not measured', status: 'not measured' }
    : {
      target: '10,000-event history: runs/events ≤ 100 ms, SSE replay ≤ 300 ms',
      measured: `${ev.case}: runs/events ${fmt(ev.values.cadre, ' ms')}, replay ${fmt(rp.values.cadre, ' ms')}`,
      status: ev.values.cadre <= 100 && rp.values.cadre <= 300 ? 'met' : 'not met',
    });
  return out;
}

export function targetsTable(checks: TargetCheck[]): string {
  const w0 = Math.max(...checks.map((c) => c.target.length));
  const w1 = Math.max(...checks.map((c) => c.status.length));
  return checks.map((c) => `${c.target.padEnd(w0)}  ${c.status.toUpperCase().padEnd(w1)}  ${c.measured}`).join('\n');
}
