/**
 * Redis: Cadre with REDIS_URL (events in Redis Streams, archived in SQL, SSE fed by the
 * multiplexed XREAD reader) at 100 concurrent runs, beside the raw Redis baseline measured in the
 * same run (redis-raw-server.ts: pipelined XADD per tick, one XREAD BLOCK over every stream
 * followed). Same workload and clients as throughput. Target: Cadre ≥ 0.5× the raw pipeline.
 */
import { Redis } from 'ioredis';
import { attempt, checksOf, row, settle, summarise, unloadedTemplate, type BenchContext, type Summary } from './context.ts';
import { CadreTarget } from '../targets/cadre-target.ts';
import { MemoryTarget } from '../targets/memory-target.ts';
import type { Target } from '../targets/target.ts';

export const BENCH_REDIS_URL = process.env.CADRE_BENCH_REDIS_URL ?? process.env.CADRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = 100;

/** Deletes what the Cadre target left in Redis (its streams live 24 h after a run otherwise). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(BENCH_REDIS_URL);
  redis.on('error', () => { /* the commands below fail with the reason */ });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function redis(ctx: BenchContext): Promise<void> {
  const replyTokens = 10;
  const deadlineMs = ctx.quick ? 30_000 : 90_000;
  // Event shapes of a real run (from the embedded Cadre): what the raw baseline replays.
  const template = await unloadedTemplate(ctx, { name: 'throughput', tokenDelayMs: 0, replyTokens }, deadlineMs);
  const prefix = `cadre-bench-${process.pid}-${Date.now()}:`;
  const cadre = new CadreTarget({ env: { REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: prefix } });
  const raw = new MemoryTarget({ name: 'redis-raw', script: './targets/redis-raw-server.ts', env: { REDIS_URL: BENCH_REDIS_URL } });
  const figures: Record<string, Summary & { stored_events?: number } | { error: string }> = {};
  try {
    await Promise.all([cadre.launch(), raw.launch()]);
    ctx.log(`redis: ${RUNS} concurrent runs on ${BENCH_REDIS_URL} (reply_tokens ${replyTokens}, token_delay_ms 0)`);
    for (const target of [cadre, raw] as Target[]) {
      figures[target.name] = await attempt(ctx, `${target.name} redis ${RUNS}`, target, async () => {
        const hierarchyId = await target.prepare({ name: 'throughput', tokenDelayMs: 0, replyTokens, template });
        const outcome = await ctx.pool.streams(target.base, { start: { hierarchyId, count: RUNS, taskPrefix: 'redis' }, subscribersPerRun: 1, deadlineMs, clients: RUNS });
        const s = summarise(outcome);
        const stored = outcome.counters.timedOut ? undefined : await target.storedEvents(outcome.counters.runIds);
        await settle(target, outcome, outcome.counters.runIds);
        ctx.log(`  ${target.name}: ${s.events} events in ${s.wall_ms} ms = ${s.events_per_s}/s; ${checksOf(s)}${stored !== undefined ? `; stored ${stored}` : ''}`);
        return stored === undefined ? s : { ...s, stored_events: stored };
      });
    }
  } finally {
    await Promise.allSettled([cadre.stop(), raw.stop()]);
    await deleteKeys(prefix).catch((err: unknown) => ctx.log(`  ! could not delete the bench's Redis keys (${prefix}*): ${String(err)}`));
  }
  const value = (name: string) => {
    const f = figures[name];
    return f && !('error' in f) ? f.events_per_s : null;
  };
  const c = figures.cadre;
  const checks = c && !('error' in c)
    ? `${checksOf(c)}${c.stored_events !== undefined && c.stored_events !== c.events ? `; STORED ${c.stored_events} ≠ RECEIVED ${c.events}` : ''}`
    : `cadre: ${(c as { error: string } | undefined)?.error ?? 'not run'}`;
  ctx.rows.push(row('redis', `${RUNS} runs, REDIS_URL`, 'events/s delivered', 'ev/s', { cadre: value('cadre'), 'redis-raw': value('redis-raw') }, checks));
  ctx.details.redis = { runs: RUNS, reply_tokens: replyTokens, deadline_ms: deadlineMs, redis_url: BENCH_REDIS_URL, baseline_events_per_run: template.length, ...figures };
}
