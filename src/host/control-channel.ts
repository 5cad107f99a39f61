import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ActorNode } from '../actors/actor-tree.ts';
import type { Logger } from '../logging/logger.ts';
import type { AgentAnswer, AgentRequest } from './agent-control.ts';
import { redisKeys } from './redis-keys.ts';

export interface ControlRequest {
  kind: 'cancel' | 'inspect' | 'agent' | 'inspect_stream' | 'inspect_stop';
  runId: number;
  tenantId: string;
  /** kind `agent`: what is asked of which agent of the run. */
  agent?: AgentRequest;
  /** kinds `inspect_stream`, `inspect_stop`: the relay (see inspection-relay.ts). */
  relay?: string;
}

export interface ControlAnswer {
  /** False when the asked process does not execute that run (for that tenant). */
  found: boolean;
  tree?: ActorNode | null;
  agent?: AgentAnswer;
}

interface Envelope extends ControlRequest {
  requestId: string;
  replyTo: string;
}

export interface ControlChannelOptions {
  redisUrl: string;
  prefix: string;
  /** The id this process owns runs under now (it changes if its lease lapsed). */
  processId(): string;
  /** Acts on a request for a run this process may execute; the answer goes back to the asker. */
  handle(request: ControlRequest): Promise<ControlAnswer>;
  logger: Logger;
}

/**
 * Requests to the process that owns a run, over Redis pub/sub: each process listens on its
 * own channel, and answers on the asker's. Only the owner acts; an asker that gets no answer
 * in time (the owner died or is cut off) says so, and the lease sweep ends such runs.
 */
export class ControlChannel {
  readonly #options: ControlChannelOptions;
  readonly #keys: ReturnType<typeof redisKeys>;
  readonly #instance = randomBytes(8).toString('hex');
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #pending = new Map<string, (answer: ControlAnswer) => void>();
  /** Channels listened to besides the process's own (inspection relays), and who hears each. */
  readonly #listeners = new Map<string, (message: string) => void>();
  #listeningAs: string | null = null;

  constructor(options: ControlChannelOptions) {
    this.#options = options;
    this.#keys = redisKeys(options.prefix);
    this.#pub = new Redis(options.redisUrl);
    this.#sub = new Redis(options.redisUrl);
    for (const redis of [this.#pub, this.#sub]) redis.on('error', (err) => options.logger.warn('control channel: redis error', { error: err.message }));
  }

  async start(): Promise<void> {
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    await this.#sub.subscribe(this.#keys.reply(this.#instance));
    await this.listenAsCurrentProcess();
  }

  /** (Re)subscribes to the channel of this process's current id. */
  async listenAsCurrentProcess(): Promise<void> {
    const id = this.#options.processId();
    if (id === this.#listeningAs) return;
    if (this.#listeningAs) await this.#sub.unsubscribe(this.#keys.control(this.#listeningAs));
    await this.#sub.subscribe(this.#keys.control(id));
    this.#listeningAs = id;
  }

  /** Asks `owner`; undefined when no answer came within `timeoutMs`. */
  async ask(owner: string, request: ControlRequest, timeoutMs: number): Promise<ControlAnswer | undefined> {
    const requestId = randomBytes(8).toString('hex');
    const { promise, resolve } = Promise.withResolvers<ControlAnswer | undefined>();
    this.#pending.set(requestId, resolve);
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    try {
      const envelope: Envelope = { ...request, requestId, replyTo: this.#keys.reply(this.#instance) };
      const receivers = await this.#pub.publish(this.#keys.control(owner), JSON.stringify(envelope));
      if (receivers === 0) return undefined; // nobody listens as that process (gone or cut off)
      return await promise;
    } finally {
      clearTimeout(timer);
      this.#pending.delete(requestId);
    }
  }

  /** The name of an inspection relay's channel. */
  inspectionChannel(relayId: string): string {
    return this.#keys.inspection(relayId);
  }

  /** Publishes on `channel`; answers how many listened. */
  publish(channel: string, message: string): Promise<number> {
    return this.#pub.publish(channel, message);
  }

  /** Messages on `channel` go to `onMessage` (subscribed when this resolves) until the answered function is called. */
  async listen(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    this.#listeners.set(channel, onMessage);
    await this.#sub.subscribe(channel);
    return async () => {
      if (this.#listeners.get(channel) !== onMessage) return;
      this.#listeners.delete(channel);
      await this.#sub.unsubscribe(channel);
    };
  }

  #onMessage(channel: string, message: string): void {
    const listener = this.#listeners.get(channel);
    if (listener) return listener(message);
    const { logger } = this.#options;
    let parsed: Envelope | ({ requestId: string } & ControlAnswer);
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch (err) {
      logger.warn('control channel: malformed message', { channel, error: String(err) });
      return;
    }
    if (channel === this.#keys.reply(this.#instance)) {
      this.#pending.get(parsed.requestId)?.(parsed as ControlAnswer);
      return;
    }
    const request = parsed as Envelope;
    this.#options.handle({
      kind: request.kind, runId: request.runId, tenantId: request.tenantId, ...(request.agent && { agent: request.agent }), ...(request.relay && { relay: request.relay }),
    })
      .catch((err: unknown): ControlAnswer => {
        logger.error('control request failed', { run_id: request.runId, kind: request.kind, error: String(err) });
        return { found: false };
      })
      .then((answer) => this.#pub.publish(request.replyTo, JSON.stringify({ requestId: request.requestId, ...answer })))
      .catch((err: unknown) => logger.error('control answer could not be sent', { run_id: request.runId, error: String(err) }));
  }

  async close(): Promise<void> {
    for (const resolve of this.#pending.values()) resolve({ found: false });
    this.#sub.disconnect();
    this.#pub.disconnect();
  }
}
