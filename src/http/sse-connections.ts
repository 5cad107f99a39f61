/**
 * The SSE streams open in this process, across all runs, against a fixed maximum: each stream
 * holds a socket, a heartbeat timer and up to its byte cap of queued frames, so their number
 * is what bounds the memory and file descriptors streaming can take.
 */
export class SseConnectionSlots {
  readonly max: number;
  #active = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max SSE connections must be a positive integer, got ${max}`);
    this.max = max;
  }

  get active(): number {
    return this.#active;
  }

  /** Takes a slot: the function that gives it back (once, however often it is called), or undefined when all are taken. */
  tryAcquire(): (() => void) | undefined {
    if (this.#active >= this.max) return undefined;
    this.#active++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#active--;
    };
  }
}
