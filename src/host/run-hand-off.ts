import type { Logger } from '../logging/logger.ts';
import type { LiveRun } from './live-run.ts';
import { HANDED_BACK, HANDED_OFF, OWNER_LOST } from './run-outcomes.ts';

/** What handing runs on needs of the runtime that holds them. */
export interface HandOffHost {
  /** Every run executing or queued there. */
  runs: LiveRun[];
  /** Whether checkpoints can be stored at all (without them no run can be continued elsewhere). */
  checkpoints: boolean;
  /** Cancels it as a plain shutdown does. */
  cancel(run: LiveRun): void;
  /** Takes it out of the runtime (and its slot) without writing anything more of it. */
  forget(run: LiveRun): void;
  logger: Logger;
}

/**
 * A rolling deploy's shutdown, the runtime's part (RunRuntime.handOff): every durable run is
 * handed on instead of cancelled (runs whose policy is `fail` are cancelled). Each gets up to
 * `graceMs` to store its next checkpoint (a step settling, so a turn about to finish is not
 * thrown away); then its last checkpoint is taken, it is stopped here without writing more,
 * `giveUp` releases its ownership and its `done` resolves `failed` "handed off". Runs still
 * waiting for a slot are given up as they are ("handed back": they start anew elsewhere). A run
 * whose checkpoint cannot be stored is left for the caller to cancel (it stays in the runtime).
 */
export async function handOffRuns(host: HandOffHost, graceMs: number, giveUp: (runId: number) => Promise<void>): Promise<{ handedOff: number[]; handedBack: number[] }> {
  const { logger } = host;
  const durable = host.runs.filter((run) => run.plan.onOwnerLost === 'resume' && host.checkpoints);
  const others = host.runs.filter((run) => !durable.includes(run));
  for (const run of others) host.cancel(run);
  const deadline = untilOrDeadline(new Promise(() => {}), graceMs);
  await Promise.all([
    ...durable.map((run) => run.writer?.nextCheckpointStored(Promise.race([run.done, deadline]))),
    untilOrDeadline(Promise.allSettled(others.map((run) => run.done)), graceMs),
  ]);
  const handedOff: number[] = [];
  const handedBack: number[] = [];
  await Promise.all(durable.map(async (run) => {
    if (run.released) return; // it ended meanwhile
    const { runId } = run.plan;
    let stopped = !run.actor;
    try {
      // Out of the directory before it stops: its actor's completion must not settle it (with no
      // output) nor start a queued run in the slot it leaves.
      if (run.actor) await run.writer!.finalCheckpoint(() => { host.forget(run); stopped = true; run.actor!.stop(); });
      else host.forget(run);
    } catch (err) {
      if (!stopped) {
        logger.error('run could not be handed on; cancelling it', { run_id: runId, error: String(err) });
        return;
      }
      // Stopped here, its last checkpoint not stored: handed on all the same, to resume from its previous one.
      logger.error('the last checkpoint of a run handed on could not be stored; it resumes from its previous one', { run_id: runId, error: String(err) });
    }
    try {
      await giveUp(runId);
    } catch (err) {
      // Stopped and out of the directory, but still ours: once this process deregisters its
      // lease lapses, and another process resumes it as a lost owner's. It is settled either way,
      // or its job (and the queue's close, and so the process's exit) would wait for it forever.
      logger.error('run could not be handed on; it resumes elsewhere once this process\'s lease lapses', { run_id: runId, error: String(err) });
      run.settle.resolve({ status: 'failed', error: OWNER_LOST });
      return;
    }
    (run.actor ? handedOff : handedBack).push(runId);
    run.settle.resolve({ status: 'failed', error: run.actor ? HANDED_OFF : HANDED_BACK });
  }));
  return { handedOff, handedBack };
}

/** Resolves when `work` settles or after `ms`, whichever comes first. */
export async function untilOrDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, deadline]);
  clearTimeout(timer);
}
