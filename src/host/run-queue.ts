import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import { redisKeys } from './redis-keys.ts';

export interface QueuedRun {
  runId: number;
  tenantId: string;
}

export interface RunQueueOptions {
  redisUrl: string;
  /** Prefix of every key of this deployment (REDIS_KEY_PREFIX + `cadre`): queues of two deployments never mix. */
  prefix: string;
  /** Jobs this process executes at once (MAX_CONCURRENT_RUNS). */
  concurrency: number;
  /** The job lock's lifetime (the run's lease in Redis): renewed at half of it while the run executes. */
  lockMs: number;
  /** How often workers look for jobs whose lock lapsed. */
  stalledCheckMs: number;
  /** Executes a taken run; resolves when the run ended here. */
  execute(run: QueuedRun): Promise<void>;
  /** A run's job lock lapsed (its process was killed, frozen or cut off from Redis): its lease is lost. */
  onLockLost(runId: number): void;
  logger: Logger;
}

/**
 * Placement of runs across processes: each run is a BullMQ job; a process with a free slot takes
 * the next one, and the job's lock (renewed by BullMQ while the run executes) is its lease in
 * Redis. A lock that lapses fails the job (maxStalledCount 0: a run is never executed twice);
 * the run's record is ended by the SQL lease sweep, which every process runs with or without Redis.
 */
export class RunQueue {
  readonly #options: RunQueueOptions;
  readonly #queue: Queue<QueuedRun>;
  readonly #connections: Redis[] = [];
  readonly #keys: ReturnType<typeof redisKeys>;
  #worker: Worker<QueuedRun> | null = null;
  #events: QueueEvents | null = null;

  constructor(options: RunQueueOptions) {
    this.#options = options;
    const keys = redisKeys(options.prefix);
    this.#keys = keys;
    this.#queue = new Queue<QueuedRun>(keys.queueName, { connection: this.#connection(), prefix: keys.queuePrefix });
    this.#queue.on('error', (err) => options.logger.error('run queue error', { error: err.message }));
  }

  #connection(): Redis {
    // BullMQ needs maxRetriesPerRequest null: its blocking commands must wait out reconnects.
    const redis = new Redis(this.#options.redisUrl, { maxRetriesPerRequest: null });
    this.#connections.push(redis);
    return redis;
  }

  /** Starts taking runs. */
  start(): void {
    const { concurrency, lockMs, stalledCheckMs, logger } = this.#options;
    const keys = redisKeys(this.#options.prefix);
    this.#worker = new Worker<QueuedRun>(keys.queueName, (job: Job<QueuedRun>) => this.#options.execute(job.data), {
      connection: this.#connection(), prefix: keys.queuePrefix, concurrency, lockDuration: lockMs, stalledInterval: stalledCheckMs, maxStalledCount: 0,
    });
    this.#worker.on('error', (err) => logger.error('run queue worker error', { error: err.message }));
    this.#worker.on('failed', (job, err) => logger.warn('run job failed', { run_id: job?.data.runId, error: err.message }));
    // Every process hears of a stalled job (whichever worker's check found it), so the run's
    // end does not wait for one particular process.
    this.#events = new QueueEvents(keys.queueName, { connection: this.#connection(), prefix: keys.queuePrefix });
    this.#events.on('error', (err) => logger.error('run queue events error', { error: err.message }));
    this.#events.on('stalled', ({ jobId }) => {
      const runId = keys.runIdOf(jobId);
      if (runId !== undefined) this.#options.onLockLost(runId);
    });
  }

  async enqueue(run: QueuedRun): Promise<void> {
    // A process that is shutting down hands a job it just took back by failing it: the retry
    // goes to another process (see RunService.executeQueued). take() is conditional, so a retry
    // of a run that already began can never execute it twice.
    await this.#queue.add('run', run, {
      jobId: this.#keys.jobId(run.runId), removeOnComplete: true, removeOnFail: true, attempts: 5, backoff: { type: 'fixed', delay: 200 },
    });
  }

  /** Runs waiting to be taken, in every process (a retry waiting out its backoff included): what MAX_QUEUED_RUNS bounds. */
  waitingCount(): Promise<number> {
    return this.#queue.getJobCountByTypes('waiting', 'delayed');
  }

  /** Removes a run that still waits to be taken. False when a process took it already (or it is gone). */
  async withdraw(runId: number): Promise<boolean> {
    const job = await this.#queue.getJob(this.#keys.jobId(runId));
    if (!job || (await job.getState()) !== 'waiting') return false;
    try {
      await job.remove();
      return true;
    } catch (err) {
      // Taken between the check and the removal (its lock refuses it): the owner cancels it.
      this.#options.logger.debug('queued run was taken before it could be withdrawn', { run_id: runId, error: String(err) });
      return false;
    }
  }

  /** Whether the run's job waits, or was just taken (active) and is about to be owned. */
  async isQueued(runId: number): Promise<boolean> {
    const job = await this.#queue.getJob(this.#keys.jobId(runId));
    if (!job) return false;
    const state = await job.getState();
    return state === 'waiting' || state === 'active';
  }

  /** Stops taking runs and waits for the ones executing here (the caller cancels them first). */
  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#events?.close();
    await this.#queue.close();
    for (const redis of this.#connections) redis.disconnect();
  }
}
