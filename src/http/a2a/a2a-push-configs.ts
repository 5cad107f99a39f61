import { randomUUID } from 'node:crypto';
import { StreamResponse, type TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import type { TenantRepositories, PushConfigRecord } from '../../domain/repositories.ts';
import { MAX_PUSH_CONFIGS_PER_RUN } from '../../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../../domain/run-records.ts';
import { urlRefusal, type OutboundPolicy } from '../../outbound/outbound-policy.ts';
import type { GuardedFetch } from '../../outbound/guarded-fetch.ts';
import type { PolledRunFeeds } from '../../events/polled-run-feeds.ts';
import type { Logger } from '../../logging/logger.ts';
import { runUpdates } from './a2a-run-stream.ts';
import type { RunFeedSource } from '../../events/run-event-feed.ts';

export interface PushDeliveryDeps {
  /** Fresh repositories for a follower that outlives its request. */
  repositories(tenantId: string): TenantRepositories;
  outbound: OutboundPolicy;
  /** The guarded fetch (outbound-policy checked at connect time): every webhook goes through it. */
  fetch: GuardedFetch;
  runs: RunFeedSource;
  polledFeeds?: PolledRunFeeds;
  logger: Logger;
  /** Tries per notification (default 4) and the first retry's delay (doubling, with jitter). */
  attempts?: number;
  retryBaseMs?: number;
  /** One POST's time limit (default 10 s). */
  timeoutMs?: number;
}

/** Notifications waiting for one webhook at most: past it the oldest are dropped (and logged), so a dead webhook cannot grow memory. */
const MAX_QUEUED = 1000;
const ID = /^[A-Za-z0-9._:-]{1,64}$/;

function viewOf(c: PushConfigRecord): TaskPushNotificationConfig {
  return {
    tenant: '', id: c.configId, taskId: String(c.runId), url: c.url, token: c.token ?? '',
    authentication: c.authScheme ? { scheme: c.authScheme, credentials: c.authCredentials ?? '' } : undefined,
  };
}

/** One webhook's queue: notifications go out one at a time, in order, each retried with backoff. */
class WebhookQueue {
  readonly #queue: Array<Record<string, unknown>> = [];
  #sending = false;

  readonly config: PushConfigRecord;
  readonly deps: PushDeliveryDeps;

  constructor(config: PushConfigRecord, deps: PushDeliveryDeps) {
    this.config = config;
    this.deps = deps;
  }

  push(body: Record<string, unknown>): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#queue.shift();
      this.deps.logger.warn('push notification dropped: the webhook is too far behind', { run_id: this.config.runId, config_id: this.config.configId });
    }
    this.#queue.push(body);
    if (!this.#sending) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      for (let body = this.#queue.shift(); body; body = this.#queue.shift()) await this.#send(body);
    } finally {
      this.#sending = false;
    }
  }

  async #send(body: Record<string, unknown>): Promise<void> {
    const { deps, config } = this;
    const attempts = deps.attempts ?? 4;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (config.token) headers['x-a2a-notification-token'] = config.token;
    if (config.authScheme && config.authCredentials) headers.authorization = `${config.authScheme} ${config.authCredentials}`;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await deps.fetch(config.url, {
          method: 'POST', headers, body: JSON.stringify(body), redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        if (res.ok) return;
        // A webhook that refuses the notification (4xx but 408/429) will refuse it again.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          deps.logger.warn('push notification refused by the webhook', { run_id: config.runId, config_id: config.configId, status: res.status });
          return;
        }
      } catch (err) {
        if (attempt === attempts) {
          deps.logger.warn('push notification not delivered', { run_id: config.runId, config_id: config.configId, error: String((err as Error)?.message ?? err) });
          return;
        }
      }
      if (attempt < attempts) {
        const base = (deps.retryBaseMs ?? 500) * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * base));
      }
    }
    deps.logger.warn('push notification not delivered: the webhook kept failing', { run_id: config.runId, config_id: config.configId });
  }
}

/**
 * A2A push notifications: configs kept with their run (push_config rows, bounded per run), and
 * their delivery — this process follows a run that has configs (as a stream would) and POSTs
 * each update to every webhook through the outbound address policy, with the client's token,
 * retried with backoff. Delivery never touches the run: a slow or dead webhook only delays its
 * own queue.
 */
export class A2APushConfigs {
  readonly #deps: PushDeliveryDeps;
  /** Runs followed here for their webhooks: one follower per run, however many configs. */
  readonly #following = new Map<number, Map<string, WebhookQueue>>();

  constructor(deps: PushDeliveryDeps) {
    this.#deps = deps;
  }

  async create(repos: TenantRepositories, run: RunRecord, input: TaskPushNotificationConfig): Promise<TaskPushNotificationConfig> {
    if (!input.url) throw new RequestMalformedError('url: required');
    const refusal = urlRefusal(this.#deps.outbound, input.url);
    if (refusal) throw new RequestMalformedError(`url: ${refusal}`);
    const configId = input.id || randomUUID();
    if (!ID.test(configId)) throw new RequestMalformedError('id: 1-64 letters, digits, . _ : -');
    if (input.token.length > 4096) throw new RequestMalformedError('token: at most 4096 characters');
    const stored = await repos.pushConfigs.put({
      runId: run.id, configId, url: input.url, token: input.token || null,
      authScheme: input.authentication?.scheme || null, authCredentials: input.authentication?.credentials || null,
    });
    if (!stored) throw new RequestMalformedError(`a task has at most ${MAX_PUSH_CONFIGS_PER_RUN} push notification configs`);
    await this.follow(repos, run);
    return viewOf(stored);
  }

  async get(repos: TenantRepositories, runId: number, configId: string): Promise<TaskPushNotificationConfig> {
    const found = await repos.pushConfigs.find(runId, configId);
    if (!found) throw new TaskNotFoundError(`task ${runId} has no push notification config ${configId}`);
    return viewOf(found);
  }

  async list(repos: TenantRepositories, runId: number): Promise<TaskPushNotificationConfig[]> {
    return (await repos.pushConfigs.list(runId)).map(viewOf);
  }

  /** Idempotent, as A2A has it: deleting a config that is not there (any more) is no error. */
  async delete(repos: TenantRepositories, runId: number, configId: string): Promise<void> {
    await repos.pushConfigs.delete(runId, configId);
  }

  /** Starts delivering the run's updates from now on, unless this process already does or it ended. */
  async follow(repos: TenantRepositories, run: RunRecord): Promise<void> {
    if (this.#following.has(run.id) || terminalStatuses.has(run.status)) return;
    const after = (await this.#deps.runs.eventLog.last(run.id))?.sequence ?? 0;
    const queues = new Map<string, WebhookQueue>();
    this.#following.set(run.id, queues);
    void this.#deliver(this.#deps.repositories(repos.tenantId), run, after, queues).finally(() => this.#following.delete(run.id));
  }

  async #deliver(repos: TenantRepositories, run: RunRecord, after: number, queues: Map<string, WebhookQueue>): Promise<void> {
    try {
      for await (const update of runUpdates(this.#deps.runs, this.#deps.polledFeeds, repos, run, after)) {
        // Read per update (updates are few: status changes and agent results), so a config
        // added or deleted meanwhile is honoured from the next update on.
        const configs = await repos.pushConfigs.list(run.id);
        if (configs.length === 0) return;
        const body = StreamResponse.toJSON(update) as Record<string, unknown>;
        for (const config of configs) {
          let queue = queues.get(config.configId);
          if (!queue || queue.config.url !== config.url || queue.config.token !== config.token) {
            queue = new WebhookQueue(config, this.#deps);
            queues.set(config.configId, queue);
          }
          queue.push(body);
        }
      }
    } catch (err) {
      this.#deps.logger.warn('push notifications of a run stopped', { run_id: run.id, error: String((err as Error)?.message ?? err) });
    }
  }
}
