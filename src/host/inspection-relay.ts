import { randomBytes } from 'node:crypto';
import type { InspectionListener } from '../domain/inspection-schemas.ts';
import type { Logger } from '../logging/logger.ts';
import type { ControlAnswer, ControlChannel, ControlRequest } from './control-channel.ts';
import type { RunRuntime } from './run-runtime.ts';

/** How often an owner relaying an idle run checks that someone still listens. */
const PING_MS = 15_000;
/** Relays one process serves at once (each is one listener on one of its runs). */
const MAX_RELAYS = 1000;
const RELAY_ID = /^[0-9a-f]{24}$/;

/** What goes over a relay's channel: a batch of wire events (each its JSON), the end, or a ping. */
interface RelayMessage {
  events?: string[];
  end?: boolean;
  reason?: string;
}

/**
 * A run's inspection from the process that executes it to the process holding the developer's
 * stream, over Redis pub/sub (the control channel's connections): the streaming process listens
 * on a relay channel of its own, then asks the owner (`inspect_stream`), which watches the run
 * and publishes on that channel only while someone listens — the stream's end asks it to stop
 * (`inspect_stop`), and a publish nobody received (that process died) stops it too.
 */
export class InspectionRelay {
  readonly #channel: ControlChannel;
  readonly #runtime: RunRuntime;
  readonly #logger: Logger;
  /** Relays served here, by relay id → how each stops. */
  readonly #serving = new Map<string, () => void>();

  constructor(channel: ControlChannel, runtime: RunRuntime, logger: Logger) {
    this.#channel = channel;
    this.#runtime = runtime;
    this.#logger = logger;
  }

  get serving(): number {
    return this.#serving.size;
  }

  /** The owner's side: `inspect_stream` starts relaying a run executing here, `inspect_stop` ends a relay. */
  answer(request: ControlRequest): ControlAnswer {
    const relay = request.relay;
    if (!relay || !RELAY_ID.test(relay)) return { found: false };
    if (request.kind === 'inspect_stop') {
      this.#serving.get(relay)?.();
      return { found: true };
    }
    if (this.#serving.has(relay) || this.#serving.size >= MAX_RELAYS) return { found: false };
    const channel = this.#channel.inspectionChannel(relay);
    let stopped = false;
    let unwatch: (() => void) | null = null;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(ping);
      this.#serving.delete(relay);
      unwatch?.();
    };
    const send = (message: RelayMessage | 'ping') => {
      this.#channel.publish(channel, message === 'ping' ? '{}' : JSON.stringify(message)).then((receivers) => {
        if (receivers === 0) stop();
      }, (err: unknown) => {
        this.#logger.warn('inspection relay: publish failed; relay stopped', { run_id: request.runId, error: String(err) });
        stop();
      });
    };
    const ping = setInterval(() => send('ping'), PING_MS);
    this.#serving.set(relay, stop);
    unwatch = this.#runtime.watch(request.tenantId, request.runId, {
      events: (batch) => send({ events: [...batch] }),
      end: (reason) => {
        send({ end: true, ...(reason && { reason }) });
        stop();
      },
    });
    if (!unwatch) {
      stop();
      return { found: false };
    }
    // Ended while it was being watched (told synchronously): nothing to keep.
    if (stopped) unwatch();
    return { found: true };
  }

  /**
   * The streaming side: follows the run at `owner` for `listener`; null when the owner does not
   * answer that it executes the run (it ended, moved, or its process is gone). Answers how to stop.
   */
  async follow(owner: string, runId: number, tenantId: string, listener: InspectionListener, timeoutMs: number): Promise<(() => void) | null> {
    const relay = randomBytes(12).toString('hex');
    let over = false;
    let unlisten: (() => Promise<void>) | null = null;
    const quit = () => {
      if (over) return false;
      over = true;
      unlisten?.().catch((err: unknown) => this.#logger.warn('inspection relay: unsubscribe failed', { run_id: runId, error: String(err) }));
      return true;
    };
    unlisten = await this.#channel.listen(this.#channel.inspectionChannel(relay), (text) => {
      if (over) return;
      let message: RelayMessage;
      try {
        message = JSON.parse(text) as RelayMessage;
      } catch (err) {
        this.#logger.warn('inspection relay: malformed message', { run_id: runId, error: String(err) });
        return;
      }
      if (message.events) listener.events(message.events);
      if (message.end && quit()) listener.end(message.reason);
    });
    const answer = await this.#channel.ask(owner, { kind: 'inspect_stream', runId, tenantId, relay }, timeoutMs);
    if (!answer?.found) {
      quit();
      return null;
    }
    return () => {
      if (!quit()) return;
      this.#channel.ask(owner, { kind: 'inspect_stop', runId, tenantId, relay }, timeoutMs)
        .catch((err: unknown) => this.#logger.warn('inspection relay: stop request failed', { run_id: runId, error: String(err) }));
    };
  }

  /** Stops every relay served here (shutdown). */
  close(): void {
    for (const stop of [...this.#serving.values()]) stop();
  }
}
