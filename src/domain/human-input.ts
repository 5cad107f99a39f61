/**
 * Human in the loop, as data every layer shares: the requests a run waiting for a human has
 * open (`runs/get` `pending_inputs`), what a human answers (`runs/respond`), and how both are
 * kept on the run's row (execution_run.human_inputs), so any process can answer a run that no
 * process executes.
 */

/** A worker's tool call that waits for a human: an approval of the call, or the question of `ask_human`. */
export interface PendingInput {
  request_id: string;
  agent_id: string;
  kind: 'approval' | 'question';
  tool_name: string;
  arguments: unknown;
  /** The question asked (`ask_human`); null for an approval. */
  question: string | null;
  /** ISO time the worker asked. */
  requested_at: string;
}

/** A human's answer to one request. */
export interface HumanResponse {
  requestId: string;
  /** An approval: whether the call may run. */
  approve?: boolean;
  /** A question: the answer (the tool's result). */
  answer?: string;
  /** Told to the model with a denial (or kept with an approval). */
  message?: string;
}

/** What the row keeps: the open requests, and the ids already answered (so a second answer is told so). */
export interface HumanInputState {
  pending: PendingInput[];
  answered: string[];
}

export const noHumanInputs: HumanInputState = { pending: [], answered: [] };

export function readHumanInputs(stored: string | null | undefined): HumanInputState {
  if (!stored) return noHumanInputs;
  const parsed = JSON.parse(stored) as Partial<HumanInputState>;
  return { pending: parsed.pending ?? [], answered: parsed.answered ?? [] };
}

export function writeHumanInputs(state: HumanInputState): string {
  return JSON.stringify(state);
}

/** What the model reads for a call a human denied. */
export function deniedText(message: string | undefined): string {
  return message?.trim() ? `denied by a human: ${message.trim()}` : 'denied by a human';
}

/** The error a run waiting longer than HUMAN_INPUT_TIMEOUT_MS ends with. */
export const INPUT_TIMED_OUT = 'input timed out';

/** A run's human state as its row holds it: `raw` is compared exactly by a claim (one winner). */
export interface StoredHumanInputs {
  id: number;
  tenantId: string;
  status: string;
  raw: string | null;
  waitingSince: Date | null;
}

/**
 * Runs parked for a human, across processes. Every change is one conditional write, so of a
 * respond, a cancel and the timeout sweep racing for one waiting run exactly one wins.
 */
export interface RunWaiting {
  /** A run this process owns goes from running to waiting_input, unowned, with its open requests (answered ids kept). */
  park(runId: number, processId: string, pending: PendingInput[], at: Date): Promise<boolean>;
  /** The run's human state (of `tenantId`'s runs only); null: no such run of the tenant. */
  read(runId: number, tenantId: string): Promise<StoredHumanInputs | null>;
  /** waiting_input → running, owned by `processId`, if its state is still `expectedRaw`: `next` is stored. */
  claim(runId: number, processId: string, expectedRaw: string | null, next: HumanInputState): Promise<boolean>;
  /** Undoes this process's claim (it could not resume the run): waiting again, as it was. */
  giveBack(runId: number, processId: string, raw: string | null, waitingSince: Date | null): Promise<boolean>;
  /** Up to `limit` runs (any tenant) waiting since before `before`, oldest first. */
  waitingSince(before: Date, limit: number): Promise<Array<{ id: number; tenantId: string }>>;
  /** A run waiting since before `before` → running, owned by `processId`, its requests cleared. */
  claimExpired(runId: number, processId: string, before: Date): Promise<boolean>;
}
