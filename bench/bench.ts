/**
 * `npm run bench [-- --quick] [-- --cpu-prof] [-- --only=throughput,latency,...] [-- --clients=N] [-- --runs=100]`
 *
 * Starts the real Cadre server (src/main.ts, own process, temporary SQLite file) and an in-memory
 * baseline server (own process), drives both from forked client processes over loopback
 * HTTP/SSE, and reports each figure for Cadre, the baseline and their ratio. Writes the table to
 * stdout and bench/results.json (a --quick or --only run: bench/results-partial.json, unless --out). See BENCHMARKS.md.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stopAll } from './child-processes.ts';
import { ClientPool } from './client-pool.ts';
import { machine, table, writeResults } from './report.ts';
import { judgeTargets, targetsTable } from './issue-targets.ts';
import type { BenchContext } from './scenarios/context.ts';
import { throughput } from './scenarios/throughput.ts';
import { latency } from './scenarios/latency.ts';
import { fanout } from './scenarios/fanout.ts';
import { memory } from './scenarios/memory.ts';
import { history } from './scenarios/history.ts';
import { redis } from './scenarios/redis.ts';
import { redisScale } from './scenarios/redis-scale.ts';
import { peer, peerSkipReason } from './scenarios/peer.ts';
import { CadreTarget } from './targets/cadre-target.ts';
import { MemoryTarget } from './targets/memory-target.ts';
import type { Target } from './targets/target.ts';
import { POSTGRESQL, REDIS, skipReason, type BenchService } from './service-probe.ts';

const SCENARIOS = { throughput, latency, fanout, memory, history, redis, 'redis-scale': redisScale, peer } as const;
type ScenarioName = keyof typeof SCENARIOS;
/** Services a scenario needs beside the embedded Cadre: probed first, the scenario skipped without them. */
const NEEDS: Partial<Record<ScenarioName, readonly BenchService[]>> = { redis: [REDIS], 'redis-scale': [REDIS, POSTGRESQL] };

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = flag('quick');
const only = (option('only')?.split(',') ?? Object.keys(SCENARIOS)) as ScenarioName[];
const unknown = only.filter((s) => !(s in SCENARIOS));
if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
const clients = Number(option('clients') ?? 2);
if (!Number.isInteger(clients) || clients < 2) throw new Error('--clients must be an integer ≥ 2');
const runCounts = option('runs')?.split(',').map(Number);
if (runCounts?.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--runs must be a list of integers ≥ 1, e.g. --runs=100');
const profileDir = fileURLToPath(new URL('./profiles', import.meta.url));
// A quick (or partial) run never overwrites the committed figures of a full run: it writes beside
// them unless --out says where.
const resultsPath = new URL(option('out') ?? (quick || option('only') || runCounts ? './results-partial.json' : './results.json'), import.meta.url);

const log = (line: string) => process.stderr.write(`${line}\n`);
const started = new Date();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`\n${signal}: stopping the servers and clients…`);
    stopAll(10_000).finally(() => process.exit(130));
  });
}

const makeCadre = () => new CadreTarget(flag('cpu-prof') ? { cpuProfDir: profileDir } : {});
// Baselines measured beside Cadre in every scenario; the redis scenario brings its own
// (Cadre with REDIS_URL beside the raw XADD/XREAD pipeline), as only it needs a Redis.
const makeBaselines = (): Target[] => [new MemoryTarget()];
const cadre = makeCadre();
const baselines = makeBaselines();
let exitCode = 0;
try {
  if (flag('cpu-prof')) await mkdir(profileDir, { recursive: true });
  log(`Cadre bench (${quick ? 'quick' : 'full'}): scenarios ${only.join(', ')}; ${clients} client processes`);
  await Promise.all([cadre.launch(), ...baselines.map((b) => b.launch())]);
  const ctx: BenchContext = {
    quick, cadre, baselines, ...(runCounts ? { runCounts } : {}),
    pool: new ClientPool(clients),
    fanoutPool: new ClientPool(Math.max(clients, 4)),
    freshTargets: () => ({ cadre: makeCadre(), baselines: makeBaselines() }),
    templates: new Map(), rows: [], details: {}, log,
  };
  for (const name of only) {
    if (interrupted) break;
    // The peer needs its own packages (bench/peer, installed on demand) rather than a service.
    const skipped = name === 'peer' ? await peerSkipReason() : await skipReason(name, NEEDS[name] ?? []);
    if (skipped) {
      log(skipped);
      ctx.details[name] = { skipped };
      continue;
    }
    const t0 = performance.now();
    try {
      await SCENARIOS[name](ctx);
    } catch (err) {
      // One scenario failing is a result to report, not a reason to skip the others.
      const error = err instanceof Error ? err.message : String(err);
      log(`  ! scenario ${name} failed: ${error}`);
      ctx.rows.push({ scenario: name, case: '—', metric: 'FAILED', unit: '', values: {}, ratio: null, checks: error.slice(0, 160) });
      ctx.details[name] = { error };
      exitCode = 1;
      await Promise.all([ctx.cadre.recover(), ...ctx.baselines.map((b) => b.recover())]);
    }
    log(`  (${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  // A scenario may bring a baseline of its own (redis: redis-raw); its column follows the others.
  const targets = [...new Set([cadre.name, ...baselines.map((b) => b.name), ...ctx.rows.flatMap((r) => Object.keys(r.values))])];
  const out = table(ctx.rows, targets);
  const targetChecks = judgeTargets(ctx.rows, quick);
  process.stdout.write(`\nCadre bench, ${quick ? 'QUICK (smaller counts, see notes)' : 'full'} — ratio = cadre ÷ ${baselines[0]!.name} (the redis row: ÷ redis-raw; redis-scale: 3 processes ÷ 1)\n${out}\n`);
  process.stdout.write(`\nIssue targets (this run):\n${targetsTable(targetChecks)}\n`);
  await writeResults(resultsPath, {
    date: started.toISOString(),
    duration_s: Math.round((Date.now() - started.getTime()) / 1000),
    mode: quick ? 'quick' : 'full',
    scenarios: only,
    ...(await machine()),
    client_processes: { default: clients, fanout: Math.max(clients, 4) },
    targets: targetChecks,
    rows: ctx.rows,
    details: ctx.details,
  });
  log(`results: ${fileURLToPath(resultsPath)}`);
  await Promise.all([ctx.pool.stop(), ctx.fanoutPool.stop()]);
} catch (err) {
  exitCode = 1;
  log(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
} finally {
  await Promise.allSettled([cadre.stop(), ...baselines.map((b) => b.stop())]);
  await stopAll(10_000);
}
process.exit(exitCode);
