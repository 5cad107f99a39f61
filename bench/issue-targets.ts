/**
 * The issue's targets, each judged against the figures of this run (from the table's rows).
 * A target whose figure was not measured in this mode (quick, --only) says so instead.
 */
import type { Row } from './scenarios/context.ts';
import { judgePeer } from './peer-target.ts';
import { CPU_METRIC as SCALE_CPU_METRIC, OTHER_CASE as SCALE_OTHER_CASE, OWNER_CASE as SCALE_OWNER_CASE } from './scenarios/redis-scale-rows.ts';

export interface TargetCheck {
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'not measured';
}

const find = (rows: Row[], scenario: string, kase: string, metric: string) =>
  rows.find((r) => r.scenario === scenario && r.case.startsWith(kase) && r.metric === metric);

/** Issue 22's targets (performance close to the machine's limit), judged on this run's rows. */
export function judgeTargets(rows: Row[], quick: boolean): TargetCheck[] {
  const out: TargetCheck[] = [];
  const fmt = (v: number | null | undefined, unit = '', digits = 0) => (v == null ? 'n/a' : `${v.toLocaleString('en-US', { maximumFractionDigits: digits })}${unit}`);
  const unmeasured = (target: string, measured: string): TargetCheck => ({ target, measured, status: 'not measured' });

  const cpuTarget = '100 runs: server CPU ≤ 8 µs per delivered event, events/s ≥ 0.35× the batched raw ceiling';
  const t100 = find(rows, 'throughput', '100 runs', 'events/s delivered');
  const cpu100 = find(rows, 'throughput', '100 runs', 'server CPU per delivered event');
  const rate = t100?.values.cadre;
  const ceiling = t100?.values['raw-batched'];
  const us = cpu100?.values.cadre;
  out.push(rate == null || us == null || ceiling == null
    ? unmeasured(cpuTarget, 'not measured at 100 runs')
    : {
      target: cpuTarget,
      measured: `${fmt(us, ' µs', 1)}/event; ${fmt(rate, '/s')} = ${(rate / ceiling).toFixed(2)}× raw-batched (${fmt(ceiling, '/s')}), ${t100!.ratio?.toFixed(2) ?? 'n/a'}× the replaying baseline`,
      status: us <= 8 && rate / ceiling >= 0.35 ? 'met' : 'not met',
    });

  const l100 = find(rows, 'latency', '100 runs', 'delivery p99');
  const l1000 = find(rows, 'latency', '1000 runs', 'delivery p99');
  const latencyTarget = 'delivery p99 ≤ 10 ms at 100 runs, ≤ 50 ms at 1,000 (20 ms tokens)';
  out.push(!l100 || l100.values.cadre == null || !l1000 || l1000.values.cadre == null
    ? unmeasured(latencyTarget, l100?.values.cadre != null ? `100 runs ${fmt(l100.values.cadre, ' ms')}; 1,000 runs not measured${quick ? ' (quick)' : ''}` : 'not measured')
    : {
      target: latencyTarget,
      measured: `100 runs ${fmt(l100.values.cadre, ' ms')}, 1,000 runs ${fmt(l1000.values.cadre, ' ms')}${l1000.checks.includes('TIMED OUT') ? ' (timed out)' : ''}`,
      status: l100.values.cadre <= 10 && l1000.values.cadre <= 50 && !l1000.checks.includes('TIMED OUT') ? 'met' : 'not met',
    });

  const memoryTarget = '≤ 100 KB RSS per live 13-agent run tree at 200 and at 2,000 live runs';
  const rss = rows.filter((r) => r.scenario === 'memory' && r.metric === 'RSS per run tree' && r.values.cadre != null);
  const counts = new Set(rss.map((r) => Number.parseInt(r.case, 10)));
  out.push(rss.length === 0
    ? unmeasured(memoryTarget, 'not measured')
    : {
      target: memoryTarget,
      measured: `${rss.map((r) => `${r.case}: ${fmt(r.values.cadre, ' KB')}`).join('; ')}${counts.has(200) && counts.has(2000) ? '' : ' (not both counts measured)'}`,
      status: counts.has(200) && counts.has(2000) ? (rss.every((r) => r.values.cadre! <= 100) ? 'met' : 'not met') : rss.some((r) => r.values.cadre! > 100) ? 'not met' : 'not measured',
    });

  const historyTarget = '10,000-event history: runs/events ≤ 100 ms, SSE replay ≤ 50 ms';
  const ev = rows.find((r) => r.scenario === 'history' && r.metric === 'runs/events, all pages');
  const rp = rows.find((r) => r.scenario === 'history' && r.metric === 'SSE replay until close');
  const events = Number(ev?.case.split('-')[0]);
  out.push(!ev || ev.values.cadre == null || !rp || rp.values.cadre == null || !(events >= 10_000)
    ? unmeasured(historyTarget, ev ? `${ev.case} (under 10,000 events${quick ? ', quick' : ''})` : 'not measured')
    : {
      target: historyTarget,
      measured: `${ev.case}: runs/events ${fmt(ev.values.cadre, ' ms', 1)}, replay ${fmt(rp.values.cadre, ' ms', 1)}`,
      status: ev.values.cadre <= 100 && rp.values.cadre <= 50 ? 'met' : 'not met',
    });

  // redis-scale's CPU rows: `cadre` = three processes, `cadre-1-process` = one; ratio = 3 ÷ 1.
  const scaleTarget = 'scale-out: CPU-µs per event over all Cadre processes and Redis, 3 processes ÷ 1 ≤ 1.25×, also with every subscriber on a non-owner';
  const scaleRows = rows.filter((r) => r.scenario === 'redis-scale' && r.metric === SCALE_CPU_METRIC);
  const rr = scaleRows.find((r) => !r.case.includes(SCALE_OTHER_CASE) && !r.case.includes(SCALE_OWNER_CASE));
  const other = scaleRows.find((r) => r.case.includes(SCALE_OTHER_CASE));
  const scaleFigure = (r: Row) => `${fmt(r.values.cadre, ' µs', 1)} vs ${fmt(r.values['cadre-1-process'], ' µs', 1)} = ${r.ratio?.toFixed(2) ?? 'n/a'}×`;
  out.push(rr?.ratio == null || other?.ratio == null
    ? unmeasured(scaleTarget, rr || other ? `round-robin ${rr ? scaleFigure(rr) : 'n/a'}; non-owner ${other ? scaleFigure(other) : 'n/a'}` : 'not measured')
    : {
      target: scaleTarget,
      measured: `followers round-robin ${scaleFigure(rr)}; all on a non-owner ${scaleFigure(other)}${[rr, other].some((r) => r.checks.includes('TIMED OUT')) ? ' (timed out)' : ''}`,
      status: rr.ratio <= 1.25 && other.ratio <= 1.25 && ![rr, other].some((r) => r.checks.includes('TIMED OUT')) ? 'met' : 'not met',
    });
  out.push(judgePeer(rows));
  return out;
}

export function targetsTable(checks: TargetCheck[]): string {
  const w0 = Math.max(...checks.map((c) => c.target.length));
  const w1 = Math.max(...checks.map((c) => c.status.length));
  return checks.map((c) => `${c.target.padEnd(w0)}  ${c.status.toUpperCase().padEnd(w1)}  ${c.measured}`).join('\n');
}
