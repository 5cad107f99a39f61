/**
 * Redis scale-out: ONE Cadre process, then THREE, on one Redis (same REDIS_KEY_PREFIX, so one
 * BullMQ run queue and one event log) and one PostgreSQL database (three processes on one SQLite
 * file would serialise on its writer). Same workload as throughput (token_delay_ms 0,
 * reply_tokens 10). BullMQ places the runs: each process takes jobs while it has free slots; the
 * slots are split so every case has the same total (runs ÷ processes each), and the owners per
 * process are reported. Cases, each on fresh processes and a fresh database:
 * - `1`, `3`: runs started round-robin through the processes, each followed through the next
 *   one from its start (with three, a stream crosses processes unless BullMQ gave the run to
 *   the process after the one it was started on).
 * - `3-owner`, `3-other`: three processes; each run followed once it is owned (owner-follow.ts),
 *   through its owner, resp. through one of the two others: what a subscriber away from the
 *   run's owner costs, measured rather than left to chance.
 * Every case measures CPU summed over the Cadre processes and Redis (cpu-meter.ts), PostgreSQL
 * beside it. Targets (issue 22, target 5): three processes move more events/s than one; CPU per
 * event with three ≤ 1.25× one, and the same with every subscriber on a non-owner.
 */
import { fileURLToPath } from 'node:url';
import { checksOf, summarise, type BenchContext, type Summary } from './context.ts';
import { CpuMeter, usPerEvent, type CpuFigures } from './cpu-meter.ts';
import { followOnceOwned, type OwnerFollowOutcome } from './owner-follow.ts';
import type { StreamsOutcome } from '../client-pool.ts';
import { BENCH_REDIS_URL, deleteKeys } from './redis.ts';
import { pushScaleRows } from './redis-scale-rows.ts';
import { BenchDatabase } from '../targets/bench-database.ts';
import { CadreTarget } from '../targets/cadre-target.ts';

export type Follow = 'round-robin' | 'owner' | 'other';

export interface ScaleCase { name: string; processes: number; follow: Follow }

export type ScaleFigures = Summary & CpuFigures & {
  processes: number; follow: Follow; stored_events?: number; runs_per_owner: Record<string, number>;
  /** Cadre processes + Redis, and each part, per delivered event. */
  cpu_us_per_event: number | null; cadre_us_per_event: number | null; redis_us_per_event: number | null; postgres_us_per_event: number | null;
  /** owner/other cases: runs followed through their owner, and the latest a run was seen owned after all were started. */
  on_owner?: number; owned_after_ms?: number;
};

/**
 * `--cpu-prof` (bench.ts) profiles these processes too, into the same directory: read from the
 * command line here because the context carries only the already-made embedded target.
 */
const cpuProfDir = process.argv.includes('--cpu-prof') ? fileURLToPath(new URL('../profiles', import.meta.url)) : undefined;

const WARM_RUNS_PER_PROCESS = 10;

export const CASES: ScaleCase[] = [
  { name: '1', processes: 1, follow: 'round-robin' },
  { name: '3', processes: 3, follow: 'round-robin' },
  { name: '3-owner', processes: 3, follow: 'owner' },
  { name: '3-other', processes: 3, follow: 'other' },
];

const isOwnerFollow = (o: StreamsOutcome): o is OwnerFollowOutcome => 'on_owner' in o;

async function scaleCase(ctx: BenchContext, kase: ScaleCase, runs: number, deadlineMs: number, replyTokens: number): Promise<ScaleFigures> {
  const { processes, follow } = kase;
  const db = await BenchDatabase.create();
  const prefix = `cadre-bench-scale${kase.name}-${process.pid}-${Date.now()}:`;
  const env = {
    DATABASE_URL: db.url, REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: prefix,
    MAX_CONCURRENT_RUNS: String(Math.ceil(runs / processes)),
  };
  const targets = Array.from({ length: processes }, () => new CadreTarget({ env, ...(cpuProfDir ? { cpuProfDir } : {}) }));
  let session: Awaited<ReturnType<BenchDatabase['session']>> | undefined;
  let meter: CpuMeter | undefined;
  try {
    // One after another: the first creates the schema, the others find it.
    for (const t of targets) await t.launch();
    const hierarchyId = await targets[0]!.prepare({ name: 'throughput', tokenDelayMs: 0, replyTokens });
    // Warm-up, not measured: code compiled on first use and each process's first heap growth are
    // paid once per process, so three fresh processes would pay them three times in the figure
    // (a deployment pays them once per start). Followed round-robin: every process runs and serves.
    const warm = await ctx.pool.streams(targets[0]!.base, {
      start: { hierarchyId, count: WARM_RUNS_PER_PROCESS * processes, taskPrefix: `warm${kase.name}` }, bases: targets.map((t) => t.base),
      subscribersPerRun: 1, deadlineMs, clients: ctx.pool.size,
    });
    if (warm.counters.complete < warm.requested) throw new Error(`warm-up: ${warm.counters.complete}/${warm.requested} runs complete (${[...warm.clientErrors, ...warm.counters.errors][0] ?? 'no error reported'})`);
    session = await db.session();
    meter = new CpuMeter(targets, session);
    await meter.start();
    const taskPrefix = `scale${kase.name}`;
    const outcome = follow === 'round-robin'
      ? await ctx.pool.streams(targets[0]!.base, {
        start: { hierarchyId, count: runs, taskPrefix }, bases: targets.map((t) => t.base),
        subscribersPerRun: 1, deadlineMs, clients: ctx.pool.size,
      })
      // 'other': alternately the first and the second process after the owner, so both others serve.
      : await followOnceOwned(ctx.pool, targets, session, {
        hierarchyId, runs, taskPrefix, deadlineMs,
        choose: follow === 'owner' ? (owner) => owner : (owner, nth) => (owner + 1 + (nth % 2)) % processes,
      });
    const cpu = await meter.stop();
    // Of the measured runs only (the warm-up's are in the same table).
    const runsPerOwner: Record<string, number> = {};
    for (const owner of (await session.runOwners(outcome.counters.runIds)).values()) runsPerOwner[owner] = (runsPerOwner[owner] ?? 0) + 1;
    const s = summarise(outcome);
    const cadreMs = cpu.cadre_ms.reduce((a, b) => a + b, 0);
    const figures: ScaleFigures = {
      ...s, ...cpu, processes, follow, runs_per_owner: runsPerOwner,
      cpu_us_per_event: usPerEvent(cadreMs + cpu.redis_ms, s.events), cadre_us_per_event: usPerEvent(cadreMs, s.events),
      redis_us_per_event: usPerEvent(cpu.redis_ms, s.events), postgres_us_per_event: usPerEvent(cpu.postgres_ms, s.events),
      ...(isOwnerFollow(outcome) ? { on_owner: outcome.on_owner, owned_after_ms: outcome.owned_after_ms } : {}),
    };
    if (!outcome.counters.timedOut) figures.stored_events = await targets[0]!.storedEvents(outcome.counters.runIds);
    ctx.log(`  ${kase.name} (${processes} process${processes > 1 ? 'es' : ''}, follow ${follow}): ${s.events} events in ${s.wall_ms} ms = ${s.events_per_s}/s; `
      + `CPU ${figures.cpu_us_per_event} µs/event (Cadre ${figures.cadre_us_per_event} [${cpu.cadre_ms.join('/')} ms], Redis ${figures.redis_us_per_event}; PostgreSQL ${figures.postgres_us_per_event} over ${cpu.postgres_backends} backends); `
      + `${checksOf(s)}; replayed ${s.replayed_before_connect}${figures.stored_events !== undefined ? `; stored ${figures.stored_events}` : ''}; runs per owner ${Object.values(figures.runs_per_owner).join('/')}`
      + `${figures.on_owner !== undefined ? `; followed on owner ${figures.on_owner}/${runs}` : ''}`);
    return figures;
  } finally {
    meter?.close();
    await session?.close().catch((err: unknown) => ctx.log(`  ! could not close the bench's database session: ${String(err)}`));
    // Stopping ends whatever a timed-out case left running; the database goes once nobody holds it.
    await Promise.allSettled(targets.map((t) => t.stop()));
    await deleteKeys(prefix).catch((err: unknown) => ctx.log(`  ! could not delete the bench's Redis keys (${prefix}*): ${String(err)}`));
    await db.drop().catch((err: unknown) => ctx.log(`  ! could not drop the bench database: ${String(err)}`));
  }
}

export async function redisScale(ctx: BenchContext): Promise<void> {
  const runs = ctx.quick ? 100 : 300;
  const replyTokens = 10;
  const deadlineMs = ctx.quick ? 60_000 : 180_000;
  ctx.log(`redis-scale: ${runs} runs on 1 then 3 Cadre processes sharing ${BENCH_REDIS_URL} and one PostgreSQL database (reply_tokens ${replyTokens}, token_delay_ms 0)`);
  const figures: Record<string, ScaleFigures | { error: string }> = {};
  for (const kase of CASES) {
    try {
      figures[kase.name] = await scaleCase(ctx, kase, runs, deadlineMs, replyTokens);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      ctx.log(`  ! redis-scale case ${kase.name} failed: ${error}`);
      figures[kase.name] = { error };
    }
  }
  pushScaleRows(ctx, runs, figures);
  ctx.details['redis-scale'] = { runs, reply_tokens: replyTokens, deadline_ms: deadlineMs, redis_url: BENCH_REDIS_URL, cases: figures };
}
