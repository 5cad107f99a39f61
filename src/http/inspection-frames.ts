import type { InspectionListener } from '../domain/inspection-schemas.ts';

/** Bounds of what one slow inspection client may fall behind by (the oldest frames are dropped past them). */
export interface InspectionFrameBounds {
  maxFrames: number;
  maxBytes: number;
}

export const DEFAULT_INSPECTION_BOUNDS: InspectionFrameBounds = { maxFrames: 5000, maxBytes: 4 * 1024 * 1024 };

/**
 * One inspection client's queue of SSE frames (`data: <event JSON>`), between the run (which never
 * waits for a client) and the socket (written as fast as it drains). Past its bounds the oldest
 * frames are dropped and an `event: dropped` frame says how many, where they were: unlike
 * runs/stream there is no log to resume from, and the newest state is what a developer wants.
 * The run's end (or the source's) is `event: close` after what is queued.
 */
export class InspectionFrames implements InspectionListener {
  readonly #bounds: InspectionFrameBounds;
  #queue: string[] = [];
  #bytes = 0;
  #dropped = 0;
  /** Null while not over; else why ('' for the run's end). */
  #over: string | null = null;
  #wake: (() => void) | null = null;

  constructor(bounds: InspectionFrameBounds = DEFAULT_INSPECTION_BOUNDS) {
    this.#bounds = bounds;
  }

  events(batch: readonly string[]): void {
    if (this.#over !== null) return;
    for (const json of batch) {
      const frame = `data: ${json}\n\n`;
      this.#queue.push(frame);
      this.#bytes += frame.length;
    }
    let drop = 0;
    while (this.#queue.length - drop > 1 && (this.#queue.length - drop > this.#bounds.maxFrames || this.#bytes > this.#bounds.maxBytes)) {
      this.#bytes -= this.#queue[drop]!.length;
      drop++;
    }
    if (drop > 0) {
      this.#queue = this.#queue.slice(drop);
      this.#dropped += drop;
    }
    this.#notify();
  }

  end(reason?: string): void {
    if (this.#over !== null) return;
    this.#over = reason ?? '';
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Everything queued, in one piece per write; the first is a comment so the headers go out at once. */
  async *frames(runId: number): AsyncGenerator<string, void, undefined> {
    yield `: inspection of run ${runId}\n\n`;
    for (;;) {
      if (this.#queue.length > 0 || this.#dropped > 0) {
        const marker = this.#dropped > 0 ? `event: dropped\ndata: {"dropped":${this.#dropped}}\n\n` : '';
        const text = marker + this.#queue.join('');
        this.#queue = [];
        this.#bytes = 0;
        this.#dropped = 0;
        yield text;
        continue;
      }
      if (this.#over !== null) {
        yield `event: close\ndata: ${JSON.stringify(this.#over ? { reason: this.#over } : {})}\n\n`;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}
