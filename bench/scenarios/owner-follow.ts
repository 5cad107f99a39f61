/**
 * Runs followed through a process chosen by who OWNS them. BullMQ picks the owner when a process
 * takes the run's job, so a run's owner is known only once it is taken: the runs are started
 * (round-robin through the processes, from the bench), their `execution_run.owner` is polled
 * every POLL_MS, and each run is followed as soon as it has one, through the process `choose`
 * names. What the run emitted before its follower connected reaches it as history
 * (`replayed_before_connect`), so this case is not pure live delivery: the scenario reports how
 * much was replayed.
 */
import type { ClientPool, StreamsOutcome } from '../client-pool.ts';
import { mapLimit, postJson } from '../http-json.ts';
import { mergeCounters } from '../protocol.ts';
import type { BenchSession } from '../targets/bench-database.ts';
import type { CadreTarget } from '../targets/cadre-target.ts';

const POLL_MS = 20;

/** The OS pid in a Cadre process id (`${hostname}-${pid}-${random hex}`, process-host.ts). */
export function pidOfOwner(owner: string): number {
  const parts = owner.split('-');
  const pid = Number(parts.at(-2));
  if (!Number.isInteger(pid)) throw new Error(`run owner ${owner} names no pid`);
  return pid;
}

export interface OwnerFollowSpec {
  hierarchyId: string;
  runs: number;
  taskPrefix: string;
  deadlineMs: number;
  /** Index (in `targets`) of the process that follows the `nth` run, given its owner's index. */
  choose: (ownerIndex: number, nth: number) => number;
}

export interface OwnerFollowOutcome extends StreamsOutcome {
  /** Runs followed through their owner. */
  on_owner: number;
  /** Longest wait from all runs started until a run was seen owned (how late followers were at worst). */
  owned_after_ms: number;
}

export async function followOnceOwned(pool: ClientPool, targets: CadreTarget[], session: BenchSession, spec: OwnerFollowSpec): Promise<OwnerFollowOutcome> {
  const indexOfPid = new Map(targets.map((t, i) => [t.pid, i]));
  const t0 = performance.now();
  const until = Date.now() + spec.deadlineMs;
  const started: number[] = [];
  const waiting = new Set<number>();
  const following: Array<Promise<StreamsOutcome>> = [];
  let onOwner = 0;
  let nth = 0;
  let ownedAfterMs = 0;
  let allStarted = 0;
  let startError: unknown;
  const starting = mapLimit(Array.from({ length: spec.runs }, (_, i) => i), 16, async (i) => {
    const run = await postJson<{ id: number }>(`${targets[i % targets.length]!.base}/runs/start`, { hierarchy_id: spec.hierarchyId, task: `${spec.taskPrefix} ${i}` });
    started.push(run.data.id);
    waiting.add(run.data.id);
  }).then(() => { allStarted = performance.now(); }, (err: unknown) => { startError = err; });
  while (startError === undefined && (waiting.size > 0 || !allStarted) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const owners = await session.runOwners([...waiting]);
    const batches = targets.map(() => [] as number[]);
    for (const [id, owner] of owners) {
      const ownerIndex = indexOfPid.get(pidOfOwner(owner));
      if (ownerIndex === undefined) throw new Error(`run ${id} is owned by ${owner}, not one of this case's processes`);
      const via = spec.choose(ownerIndex, nth++);
      if (via === ownerIndex) onOwner++;
      batches[via]!.push(id);
      waiting.delete(id);
    }
    if (owners.size > 0 && allStarted) ownedAfterMs = Math.max(ownedAfterMs, performance.now() - allStarted);
    batches.forEach((ids, via) => {
      if (ids.length === 0) return;
      following.push(pool.streams(targets[via]!.base, { runIds: ids, subscribersPerRun: 1, deadlineMs: Math.max(1000, until - Date.now()), clients: Math.min(ids.length, pool.size) }));
    });
  }
  await starting;
  if (startError !== undefined) throw startError;
  const outcomes = await Promise.all(following);
  const counters = mergeCounters(outcomes.map((o) => o.counters));
  counters.runIds = started;
  // Runs never seen owned by the deadline were never followed: the case timed out for them.
  if (waiting.size > 0) {
    counters.timedOut = true;
    counters.errors.push(`${waiting.size} runs had no owner by the deadline`);
  }
  return {
    counters, requested: spec.runs, wallMs: performance.now() - t0,
    clientErrors: outcomes.flatMap((o) => o.clientErrors), on_owner: onOwner, owned_after_ms: Math.round(ownedAfterMs),
  };
}
