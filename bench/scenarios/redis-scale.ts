/**
 * Redis scale-out: ONE Cadre process, then THREE, on one Redis (same REDIS_KEY_PREFIX, so one
 * BullMQ run queue and one event log) and one PostgreSQL database (three processes on one SQLite
 * file would serialise on its writer). Same workload as throughput (token_delay_ms 0,
 * reply_tokens 10); runs are started round-robin through the processes and each is followed
 * through the next process, so with three every stream crosses processes. BullMQ places the runs:
 * each process takes jobs while it has free slots; the slots are split so both cases have the
 * same total (runs ÷ processes each), and the owners per process are reported.
 * Target: three processes move more events/s than one.
 */
import { checksOf, row, summarise, type BenchContext, type Summary } from './context.ts';
import { BENCH_REDIS_URL, deleteKeys } from './redis.ts';
import { BenchDatabase } from '../targets/bench-database.ts';
import { CadreTarget } from '../targets/cadre-target.ts';

type Figures = Summary & { processes: number; stored_events?: number; runs_per_owner: Record<string, number> };

async function scaleCase(ctx: BenchContext, processes: number, runs: number, deadlineMs: number, replyTokens: number): Promise<Figures> {
  const db = await BenchDatabase.create();
  const prefix = `cadre-bench-scale${processes}-${process.pid}-${Date.now()}:`;
  const env = {
    DATABASE_URL: db.url, REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: prefix,
    MAX_CONCURRENT_RUNS: String(Math.ceil(runs / processes)),
  };
  const targets = Array.from({ length: processes }, () => new CadreTarget({ env }));
  try {
    // One after another: the first creates the schema, the others find it.
    for (const t of targets) await t.launch();
    const hierarchyId = await targets[0]!.prepare({ name: 'throughput', tokenDelayMs: 0, replyTokens });
    const outcome = await ctx.pool.streams(targets[0]!.base, {
      start: { hierarchyId, count: runs, taskPrefix: `scale${processes}` }, bases: targets.map((t) => t.base),
      subscribersPerRun: 1, deadlineMs, clients: ctx.pool.size,
    });
    const s = summarise(outcome);
    const stored = outcome.counters.timedOut ? undefined : await targets[0]!.storedEvents(outcome.counters.runIds);
    const owners = await db.owners();
    ctx.log(`  ${processes} process${processes > 1 ? 'es' : ''}: ${s.events} events in ${s.wall_ms} ms = ${s.events_per_s}/s; ${checksOf(s)}${stored !== undefined ? `; stored ${stored}` : ''}; runs per owner ${Object.values(owners).join('/')}`);
    return { ...s, processes, runs_per_owner: owners, ...(stored === undefined ? {} : { stored_events: stored }) };
  } finally {
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
  const figures: Record<string, Figures | { error: string }> = {};
  for (const n of [1, 3]) {
    try {
      figures[`${n}`] = await scaleCase(ctx, n, runs, deadlineMs, replyTokens);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      ctx.log(`  ! redis-scale with ${n} processes failed: ${error}`);
      figures[`${n}`] = { error };
    }
  }
  const value = (n: number) => {
    const f = figures[`${n}`];
    return f && !('error' in f) ? f.events_per_s : null;
  };
  const checks = [1, 3].map((n) => {
    const f = figures[`${n}`];
    if (!f || 'error' in f) return `${n}p: ${f?.error.slice(0, 80) ?? 'not run'}`;
    const stored = f.stored_events !== undefined && f.stored_events !== f.events ? `, STORED ${f.stored_events} ≠ RECEIVED ${f.events}` : '';
    return `${n}p: ${checksOf(f)}${stored}, runs per process ${Object.values(f.runs_per_owner).join('/')}`;
  }).join('; ');
  // `cadre` = three processes, the next column one: ratio = 3 processes ÷ 1.
  ctx.rows.push(row('redis-scale', `${runs} runs, 3 vs 1 processes, Redis + PostgreSQL`, 'events/s delivered', 'ev/s', { cadre: value(3), 'cadre-1-process': value(1) }, checks));
  ctx.details['redis-scale'] = { runs, reply_tokens: replyTokens, deadline_ms: deadlineMs, redis_url: BENCH_REDIS_URL, processes: figures };
}
