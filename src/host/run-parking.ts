import type { AnyActorRef } from 'xstate';
import { agentSystemId } from '../actors/supervisor-machine.ts';
import { waitingInputs, type HumanResponseEvent } from '../actors/human-input.ts';
import type { HumanResponse, PendingInput } from '../domain/human-input.ts';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import type { Logger } from '../logging/logger.ts';
import { HANDED_OFF } from './run-outcomes.ts';

/**
 * Human in the loop, as the process executing a run sees it. A run whose every remaining piece
 * of work waits for a person is parked: its final checkpoint stored, its actor stopped here
 * without writing more, its row set to waiting_input without an owner (`park`) — it holds no
 * slot, lease or process and survives every process restarting; the lease sweep, recovery and
 * the run queue only ever look at pending or running runs. `runs/respond` (services/
 * human-input-service.ts) claims it, and some process restores it from that checkpoint and
 * delivers the answer (`deliverHumanResponse`).
 */
export interface ParkingDeps {
  /** The row goes from running (owned here) to waiting_input, unowned, with its open requests; false: not this process's any more. */
  park(runId: number, pending: PendingInput[], at: Date): Promise<boolean>;
  /** When parking failed past the actor's stop: the run is given up (unowned, running) for a sweep to resume from its last checkpoint. */
  handOff(runId: number): Promise<boolean>;
}

/** The outcome a process reports for a run it parked: it waits for a human, as a checkpoint. */
export const WAITING_FOR_HUMAN = 'waiting for a human';

/** A human's answer restored with the run: delivered to the agent that asked, once the run is started here. */
export interface DeliveredResponse {
  agentId: string;
  response: HumanResponse;
}

/** Delivers the answer at the agent's address in the run's system; false when no such agent lives there. */
export function deliverHumanResponse(run: AnyActorRef, delivered: DeliveredResponse): boolean {
  const agent = run.system.get(agentSystemId(delivered.agentId));
  if (!agent) return false;
  agent.send({ type: 'HUMAN.RESPONSE', response: delivered.response } satisfies HumanResponseEvent);
  return true;
}

/** Thrown from the final checkpoint's stop when work began again meanwhile (an event came): the run goes on. */
class StillWorkingError extends Error {
  constructor() {
    super('the run is working again');
  }
}


/** A run as the runtime executes it, for parking. */
export interface ParkableRun {
  runId: number;
  actor: AnyActorRef & { stop(): unknown };
  writer: RunEventWriter;
  /** Takes it out of the runtime (its slot freed) without writing more of it. */
  forget(): void;
  released(): boolean;
  /** Its slot is free: the runtime starts what waits for one. */
  freed(): void;
  /** Settles its `done`. */
  settle(outcome: RunOutcome): void;
}

/**
 * Parks `run` if it waits for nothing but people: its final checkpoint is taken once every event
 * so far is appended, and in the same tick (so nothing follows it) the run is checked again and
 * stopped here; the checkpoint stored, its row becomes waiting_input without an owner. Its
 * `done` resolves `failed` "waiting for a human" (a queue job ends with it). False when it did
 * not park (it works, or work began again meanwhile: it goes on).
 */
export async function parkRun(run: ParkableRun, parking: ParkingDeps, logger: Logger): Promise<boolean> {
  const { runId, actor, writer } = run;
  if (!waitingInputs(actor)) return false;
  let pending: PendingInput[] | null = null;
  try {
    await writer.finalCheckpoint(() => {
      pending = waitingInputs(actor);
      if (!pending) throw new StillWorkingError();
      run.forget();
      actor.stop();
    });
  } catch (err) {
    if (!run.released()) {
      if (!(err instanceof StillWorkingError)) logger.warn('a run waiting for a human goes on here: its checkpoint could not be taken', { run_id: runId, error: String(err) });
      return false;
    }
    // Stopped here, but its checkpoint not stored: given up, so a sweep resumes it from its last one (where it waits again).
    logger.error('the checkpoint of a run waiting for a human could not be stored; handing it on', { run_id: runId, error: String(err) });
    run.settle({ status: 'failed', error: HANDED_OFF });
    run.freed();
    await parking.handOff(runId);
    return true;
  }
  run.freed();
  try {
    if (await parking.park(runId, pending!, new Date())) logger.info('run waits for a human: parked as a checkpoint', { run_id: runId, pending: pending!.length });
    else logger.warn('a run waiting for a human was taken by another process before it parked', { run_id: runId });
  } catch (err) {
    logger.error('a run waiting for a human could not be recorded as waiting; handing it on', { run_id: runId, error: String(err) });
    await parking.handOff(runId);
  } finally {
    run.settle({ status: 'failed', error: WAITING_FOR_HUMAN });
  }
  return true;
}
