/**
 * CPU time over one case, summed over the processes that serve it: every Cadre process
 * (/proc/<pid>/stat, all threads), the Redis server and the PostgreSQL backends of the case's
 * database. The bench's own client processes are the load, not the system, and are left out.
 *
 * Redis from `INFO cpu` (used_cpu_user + used_cpu_sys): getrusage(RUSAGE_SELF) of the server,
 * so its I/O and background threads are in it, in µs rather than /proc's 10 ms ticks, and it is
 * right whether or not the server's pid is visible here. It is the whole server's: anything
 * else using this Redis during the case is counted too (the scenario says so beside it).
 *
 * PostgreSQL: each backend is its own process; those serving the case's database are read from
 * pg_stat_activity at both ends. A backend that ended in between is lost (counted, not guessed);
 * the shared ones (WAL writer, checkpointer) are not attributed. Reported beside the
 * Cadre + Redis sum, which is what issue 22's target 5 names.
 */
import { Redis } from 'ioredis';
import { BENCH_REDIS_URL } from './redis.ts';
import type { BenchSession } from '../targets/bench-database.ts';
import type { CadreTarget } from '../targets/cadre-target.ts';
import { processCpuMs } from '../targets/target.ts';

export interface CpuFigures {
  /** Per Cadre process, in launch order. */
  cadre_ms: number[];
  redis_ms: number;
  postgres_ms: number;
  postgres_backends: number;
  /** Backends seen at the start and gone at the end: their CPU in between is not in postgres_ms. */
  postgres_backends_lost: number;
}

interface Snapshot { cadre: number[]; redis: number; postgres: Map<number, number> }

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => {
    const m = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
    if (!m) throw new Error(`INFO cpu has no ${name}`);
    return Number(m[1]) * 1000;
  };
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** CPU ms per backend pid; a backend that exits between the query and the read is left out. */
async function backendsCpuMs(session: BenchSession): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of await session.backendPids()) {
    try {
      out.set(pid, await processCpuMs(pid));
    } catch (err) {
      // Gone since pg_stat_activity listed it (a pooled connection closed): nothing to read.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

export class CpuMeter {
  readonly #targets: CadreTarget[];
  readonly #session: BenchSession;
  readonly #redis: Redis;
  #start?: Snapshot;

  constructor(targets: CadreTarget[], session: BenchSession) {
    this.#targets = targets;
    this.#session = session;
    this.#redis = new Redis(BENCH_REDIS_URL);
    this.#redis.on('error', () => { /* INFO below fails with the reason */ });
  }

  async #snapshot(): Promise<Snapshot> {
    const [cadre, redis, postgres] = await Promise.all([
      Promise.all(this.#targets.map((t) => t.cpuMs())), redisCpuMs(this.#redis), backendsCpuMs(this.#session),
    ]);
    return { cadre, redis, postgres };
  }

  async start(): Promise<void> {
    this.#start = await this.#snapshot();
  }

  async stop(): Promise<CpuFigures> {
    if (!this.#start) throw new Error('CpuMeter.stop before start');
    const end = await this.#snapshot();
    const s = this.#start;
    let postgres = 0;
    // A backend first seen at the end started during the case: all its CPU is the case's.
    for (const [pid, ms] of end.postgres) postgres += ms - (s.postgres.get(pid) ?? 0);
    return {
      cadre_ms: end.cadre.map((ms, i) => ms - s.cadre[i]!),
      redis_ms: Math.round((end.redis - s.redis) * 10) / 10,
      postgres_ms: postgres,
      postgres_backends: end.postgres.size,
      postgres_backends_lost: [...s.postgres.keys()].filter((pid) => !end.postgres.has(pid)).length,
    };
  }

  close(): void {
    this.#redis.disconnect();
  }
}

/** µs per event, one decimal; null without events. */
export function usPerEvent(ms: number, events: number): number | null {
  return events > 0 ? Math.round((ms * 10_000) / events) / 10 : null;
}
