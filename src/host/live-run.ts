import type { Actor } from 'xstate';
import type { runMachine } from '../actors/run-machine.ts';
import type { RunPlan } from '../actors/run-plan.ts';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { RunLaunch, RunRestore } from './run-launch.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import type { RunInspection } from './run-inspection.ts';

/** What the runtime (run-runtime.ts) holds of one run it executes or has queued. */
export interface LiveRun {
  plan: RunPlan;
  launch: RunLaunch;
  restore: RunRestore | null;
  /** Null while the run waits for a slot. */
  actor: Actor<typeof runMachine> | null;
  cancelRequested: boolean;
  /** Whether it occupies one of the concurrency slots (a run cancelled while queued does not). */
  holdsSlot: boolean;
  done: Promise<RunOutcome>;
  settle: { resolve(outcome: RunOutcome): void; reject(err: unknown): void };
  writer: RunEventWriter | null;
  /** Set once the run left the directory (ended, crashed or abandoned): later callbacks are no-ops. */
  released: boolean;
  /** Some call of it waits for a human: each checkpoint looks whether the run waits for nothing else (then it is parked). */
  humanAsked: boolean;
  parking: boolean;
  /** Made when a developer first inspects the run (see run-inspection.ts). */
  inspection: RunInspection | null;
}
