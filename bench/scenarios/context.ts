/** What every scenario gets: the targets, the client pool, the mode, and a place for its rows. */
import type { ClientPool, StreamsOutcome } from '../client-pool.ts';
import { percentile, type TemplateEvent } from '../protocol.ts';
import type { CadreTarget } from '../targets/cadre-target.ts';
import type { Target, Workload } from '../targets/target.ts';

export interface BenchContext {
  quick: boolean;
  /** `--runs=100,1000`: the run counts of the throughput and latency cases instead of the mode's (to profile one case). */
  runCounts?: number[];
  cadre: CadreTarget;
  /** Baselines measured beside Cadre in the same run (the in-memory one; later Redis). */
  baselines: Target[];
  pool: ClientPool;
  /** Fan-out uses its own, larger pool (sockets spread over more processes). */
  fanoutPool: ClientPool;
  /** New, not yet launched targets: memory is measured on processes that did nothing else before. */
  freshTargets: () => { cadre: CadreTarget; baselines: Target[] };
  /** Unloaded template runs, by workload shape, so scenarios with the same workload share one. */
  templates: Map<string, TemplateEvent[]>;
  rows: Row[];
  details: Record<string, unknown>;
  log: (line: string) => void;
}

/** One line of the table: a figure for Cadre and each baseline, and Cadre ÷ the first baseline. */
export interface Row {
  scenario: string;
  case: string;
  metric: string;
  unit: string;
  values: Record<string, number | null>;
  ratio: number | null;
  /** Correctness checks of that case, e.g. "cross-run 0, gaps 0, 100/100 complete". */
  checks: string;
}

export function row(scenario: string, kase: string, metric: string, unit: string, values: Record<string, number | null>, checks = ''): Row {
  const cadre = values.cadre;
  const base = Object.entries(values).find(([k]) => k !== 'cadre')?.[1];
  const ratio = cadre != null && base != null && base !== 0 ? cadre / base : null;
  return { scenario, case: kase, metric, unit, values, ratio, checks };
}

/** Plain figures of a streams outcome, for results.json and the table. */
export function summarise(o: StreamsOutcome) {
  const c = o.counters;
  return {
    streams: o.requested, opened: c.streams, complete: c.complete, events: c.events, bytes: c.bytes,
    wall_ms: Math.round(o.wallMs),
    events_per_s: o.wallMs > 0 ? Math.round(c.events / (o.wallMs / 1000)) : 0,
    cross_run: c.crossRun, gaps: c.gaps, missing_terminal: c.missingTerminal, after_terminal: c.afterTerminal,
    reconnects: c.reconnects, replayed_before_connect: c.replayed, timed_out: c.timedOut,
    connect_phase_ms: c.allConnectedAt && c.firstConnectAt ? c.allConnectedAt - c.firstConnectAt : null,
    /** Every stream had its answer before the first one ended: all were open at the same moment. */
    all_open_at_once: c.allConnectedAt > 0 && c.firstEndAt > 0 && c.allConnectedAt <= c.firstEndAt,
    latency_ms: { p50: percentile(c.latency, 50) ?? null, p95: percentile(c.latency, 95) ?? null, p99: percentile(c.latency, 99) ?? null, max: c.latencyMax, samples: c.latency.reduce((n, [, k]) => n + k, 0) },
    errors: [...o.clientErrors, ...c.errors].slice(0, 10),
  };
}

export type Summary = ReturnType<typeof summarise>;

/** The checks every streaming case states beside its figures. */
export function checksOf(s: Summary): string {
  const parts = [`${s.complete}/${s.streams} complete`, `cross-run ${s.cross_run}`, `gaps ${s.gaps}`];
  if (s.opened < s.streams) parts.push(`never opened ${s.streams - s.opened}`);
  if (s.missing_terminal) parts.push(`no terminal ${s.missing_terminal}`);
  if (s.after_terminal) parts.push(`after terminal ${s.after_terminal}`);
  if (s.reconnects) parts.push(`reconnects ${s.reconnects}`);
  if (s.timed_out) parts.push('TIMED OUT');
  if (s.errors.length) parts.push(`errors: ${s.errors[0]!.split('\n')[0]!.slice(0, 100)}`);
  return parts.join(', ');
}

/** A Cadre run's history as a baseline replays it: same events, offsets from the first. */
export function templateOf(events: Array<Record<string, unknown>>): TemplateEvent[] {
  const t0 = Date.parse(String(events[0]?.timestamp));
  return events.map((e) => ({
    source: e.source,
    event: e.event as TemplateEvent['event'],
    data: e.data,
    offsetMs: Date.parse(String(e.timestamp)) - t0,
  }));
}

/**
 * Runs one case on `target`, turning a failure into a reported error instead of ending the
 * bench; the target is brought back to idle so the next case is not measured against leftovers.
 */
export async function attempt<T>(ctx: BenchContext, what: string, target: Target, fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.log(`  ! ${what} failed: ${error}`);
    try {
      await target.recover();
    } catch (again) {
      ctx.log(`  ! ${target.name} could not recover: ${String(again)}`);
      throw again;
    }
    return { error };
  }
}

/** After a streaming case: restart a target whose runs outlived the deadline; cancel any left running. */
export async function settle(target: Target, o: StreamsOutcome, ids: number[]): Promise<void> {
  if (o.counters.timedOut) await target.recover();
  else if (o.counters.complete < o.requested) await target.cancel(ids);
}

/**
 * One Cadre run of `workload` alone (nothing else running), followed to its end: its history is
 * what a baseline replays, so the baseline offers the load at the model's nominal pace.
 */
export async function unloadedTemplate(ctx: BenchContext, workload: Workload, deadlineMs: number): Promise<TemplateEvent[]> {
  const key = `${workload.tokenDelayMs}/${workload.replyTokens}/${workload.reasoning ?? true}`;
  const known = ctx.templates.get(key);
  if (known) return known;
  const hierarchyId = await ctx.cadre.prepare(workload);
  const run = await ctx.pool.streams(ctx.cadre.base, { start: { hierarchyId, count: 1, taskPrefix: workload.name }, subscribersPerRun: 1, deadlineMs, clients: 1 });
  const id = run.counters.runIds[0];
  if (id === undefined || run.counters.complete !== 1) throw new Error(`${workload.name}: the template run did not complete: ${[...run.clientErrors, ...run.counters.errors].join('; ')}`);
  const template = templateOf(await ctx.cadre.history(id));
  ctx.log(`${workload.name}: template run ${template.length} events over ${template.at(-1)?.offsetMs} ms unloaded`);
  ctx.templates.set(key, template);
  return template;
}
