import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import type { RunRestore } from '../host/run-launch.ts';
import { endLostRun } from '../host/lost-run-ending.ts';
import { shiftDeadline } from '../actors/human-input.ts';
import type { RunOwnership } from '../domain/run-ownership.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { RunRecord } from '../domain/run-records.ts';
import { INPUT_TIMED_OUT, readHumanInputs, type HumanResponse, type RunWaiting } from '../domain/human-input.ts';
import type { Logger } from '../logging/logger.ts';
import type { RunResumption } from './run-resumption.ts';

export interface HumanInputServiceDeps {
  waiting: RunWaiting;
  resumption: RunResumption;
  runtime: RunRuntime;
  ownership: RunOwnership;
  eventLog: EventLog;
  /** This process's current id. */
  processId(): string;
  /** HUMAN_INPUT_TIMEOUT_MS: a run waiting longer ends `failed: input timed out`. */
  timeoutMs: number;
  logger: Logger;
}

export interface RespondInput {
  id: number;
  request_id: string;
  approve?: boolean;
  answer?: string;
  message?: string;
}

/** Runs expired per sweep at most (the next sweep takes the rest). */
const EXPIRE_BATCH = 100;

/**
 * Human in the loop, from any process: answers a parked run's request (runs/respond) by claiming
 * the run — of racing responders, cancels and the timeout sweep exactly one wins — and restoring
 * it here from its checkpoint with the answer delivered to the agent that asked; cancels a
 * waiting run; ends runs that waited past HUMAN_INPUT_TIMEOUT_MS. A response is restored on the
 * process that received it (with Redis too, not through the run queue: a resumed run executes
 * under no job, as a lost run's resume does); the runtime's slots still bound what executes.
 */
export class HumanInputService {
  readonly #deps: HumanInputServiceDeps;

  constructor(deps: HumanInputServiceDeps) {
    this.#deps = deps;
  }

  async respond(repos: TenantRepositories, input: RespondInput): Promise<RunRecord> {
    const { waiting, runtime, processId } = this.#deps;
    const stored = await waiting.read(input.id, repos.tenantId);
    if (!stored) throw new NotFoundError(`run ${input.id} not found`, 'RUN_NOT_FOUND');
    const state = readHumanInputs(stored.raw);
    if (state.answered.includes(input.request_id)) throw alreadyAnswered(input);
    if (stored.status !== 'waiting_input') throw new ConflictError(`run ${input.id} is not waiting for input (${stored.status})`, 'RUN_NOT_WAITING');
    const request = state.pending.find((p) => p.request_id === input.request_id);
    if (!request) throw new NotFoundError(`run ${input.id} has no open request "${input.request_id}"`, 'INPUT_REQUEST_NOT_FOUND');
    if (request.kind === 'approval' && input.approve === undefined) throw new ValidationError('approve: required to answer an approval request (true or false)', undefined, 'MISSING_FIELD');
    if (request.kind === 'question' && input.answer === undefined) throw new ValidationError('answer: required to answer a question', undefined, 'MISSING_FIELD');
    const me = processId();
    const next = { pending: state.pending.filter((p) => p !== request), answered: [...state.answered, request.request_id] };
    if (!(await waiting.claim(input.id, me, stored.raw, next))) {
      // Another response, a cancel or the timeout won the run first: say which it looks like now.
      const now = await waiting.read(input.id, repos.tenantId);
      if (now && readHumanInputs(now.raw).answered.includes(input.request_id)) throw alreadyAnswered(input);
      throw new ConflictError(`run ${input.id} is not waiting for input (${now?.status ?? 'deleted'})`, 'RUN_NOT_WAITING');
    }
    const response: HumanResponse = {
      requestId: request.request_id,
      ...(input.approve !== undefined && { approve: input.approve }),
      ...(input.answer !== undefined && { answer: input.answer }),
      ...(input.message !== undefined && { message: input.message }),
    };
    const giveBack = () => waiting.giveBack(input.id, me, stored.raw, stored.waitingSince);
    let record;
    let prepared;
    try {
      record = (await repos.runs.find(input.id))!;
      prepared = await this.#deps.resumption.prepare(repos, record);
    } catch (err) {
      // The database failed us mid-way: the run waits again, untouched, for a retry.
      await giveBack();
      throw err;
    }
    if ('refused' in prepared) {
      await this.#end(input.id, 'failed', `could not be resumed: ${prepared.refused}`, 'a human responded, but the run could not be continued');
      return (await repos.runs.find(input.id))!;
    }
    const { launch, snapshot, checkpoint } = prepared;
    // The time limit pauses while a run waits: its deadline moves on by the time it waited.
    shiftDeadline(snapshot, stored.waitingSince ? Date.now() - stored.waitingSince.getTime() : 0);
    const end = await this.#deps.eventLog.last(input.id);
    const restore: RunRestore = {
      snapshot: snapshot as RunRestore['snapshot'],
      firstSequence: (end?.sequence ?? 0) + 1,
      resumed: { from_process: null, checkpoint_sequence: checkpoint?.sequence ?? null, reason: 'a human responded', request_id: request.request_id },
      humanResponse: { agentId: request.agent_id, response },
    };
    try {
      void runtime.resume(launch, restore);
    } catch (err) {
      // Shutting down: it waits again, for a process that stays.
      await giveBack();
      throw err;
    }
    this.#deps.logger.info('a human responded: run restored from its checkpoint', { run_id: input.id, request_id: request.request_id, kind: request.kind });
    return (await repos.runs.find(input.id))!;
  }

  /** Cancels a run that waits for a human (nobody executes it): false when it was not waiting (or another claim won). */
  async cancelWaiting(repos: TenantRepositories, id: number): Promise<boolean> {
    const stored = await this.#deps.waiting.read(id, repos.tenantId);
    if (!stored || stored.status !== 'waiting_input') return false;
    // Its requests are cleared, not answered: a late answer is told the run is not waiting.
    const next = { pending: [], answered: readHumanInputs(stored.raw).answered };
    if (!(await this.#deps.waiting.claim(id, this.#deps.processId(), stored.raw, next))) return false;
    await this.#end(id, 'cancelled', null, 'cancelled while waiting for a human');
    return true;
  }

  /**
   * The timeout sweep (every process runs it with its lease sweep): each run waiting longer than
   * HUMAN_INPUT_TIMEOUT_MS is claimed — one process wins it — and ended `failed: input timed
   * out` with its terminal event. Returns how many this process ended.
   */
  async expireWaiting(): Promise<number> {
    const { waiting, timeoutMs, processId, logger } = this.#deps;
    const before = new Date(Date.now() - timeoutMs);
    let ended = 0;
    for (const run of await waiting.waitingSince(before, EXPIRE_BATCH)) {
      if (!(await waiting.claimExpired(run.id, processId(), before))) continue;
      try {
        await this.#end(run.id, 'failed', INPUT_TIMED_OUT, `no human answered within ${timeoutMs} ms`);
      } catch (err) {
        logger.error('could not end a run that waited too long for a human; a later sweep tries again', { run_id: run.id, error: String(err) });
        continue;
      }
      logger.warn('ended a run that waited too long for a human', { run_id: run.id, timeout_ms: timeoutMs });
      ended++;
    }
    return ended;
  }

  /** Ends a run this process claimed (nothing executes it), with its terminal event. */
  async #end(runId: number, status: 'failed' | 'cancelled', error: string | null, reason: string): Promise<void> {
    const { eventLog, ownership, processId } = this.#deps;
    const me = processId();
    try {
      await endLostRun({ eventLog, ownership, processId: me, runId, error, reason, status });
    } catch (err) {
      // Claimed but not ended (the log or database failed): given up, so a sweep resumes it from its checkpoint, where it waits again.
      await ownership.handOff(runId, me).catch(() => false);
      throw err;
    }
  }
}

function alreadyAnswered(input: RespondInput): ConflictError {
  return new ConflictError(`run ${input.id}: request "${input.request_id}" was already answered`, 'INPUT_ALREADY_ANSWERED');
}
