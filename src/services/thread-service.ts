import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { PageQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import type { RunRecord, RunStatus } from '../domain/run-records.ts';
import type { Budget } from '../domain/budget-schemas.ts';
import { MAX_ENQUEUED_PER_THREAD, type MultitaskStrategy, type ThreadRecord, type ThreadStatus, type ThreadView } from '../domain/thread-schemas.ts';
import { getHierarchyByRef } from './hierarchy-service.ts';
import { threadContextOf, type ThreadContextLimits } from './thread-context.ts';
import type { RunService } from './run-service.ts';

export interface ThreadServiceDeps {
  runs: RunService;
  /** THREADS_MAX_PER_TENANT: a tenant's threads are bounded like everything else it can grow. */
  maxThreadsPerTenant: number;
  context: ThreadContextLimits;
}

/** A thread seen as a conversation: its latest run decides. */
function statusOf(last: RunStatus | undefined): ThreadStatus {
  if (last === 'pending' || last === 'running') return 'busy';
  if (last === 'waiting_input') return 'interrupted';
  if (last === 'failed') return 'error';
  return 'idle';
}

/**
 * Threads: conversations of runs on one hierarchy, each run given the earlier ones' tasks and
 * answers (thread-context.ts), one live run at a time. Every call is tenant-bound.
 */
export class ThreadService {
  readonly #deps: ThreadServiceDeps;

  constructor(deps: ThreadServiceDeps) {
    this.#deps = deps;
  }

  async create(repos: TenantRepositories, input: { hierarchyId: string; metadata?: Record<string, unknown>; threadId?: string; ifExists?: 'raise' | 'do_nothing' }): Promise<ThreadView> {
    if (input.threadId) {
      const existing = await repos.threads.find(input.threadId);
      if (existing && input.ifExists === 'do_nothing') return this.#view(repos, existing);
      if (existing) throw new ConflictError(`thread_id: thread ${input.threadId} already exists`, 'THREAD_EXISTS');
    }
    const hierarchy = await getHierarchyByRef(repos, input.hierarchyId);
    const max = this.#deps.maxThreadsPerTenant;
    if ((await repos.threads.count()) >= max) throw new ConflictError(`this tenant has ${max} threads, the most allowed (THREADS_MAX_PER_TENANT): delete some first`, 'THREAD_LIMIT');
    const thread = await repos.threads.create({ ...(input.threadId && { id: input.threadId }), hierarchyId: hierarchy.id, metadata: input.metadata ?? {} });
    return this.#view(repos, thread);
  }

  async get(repos: TenantRepositories, id: string): Promise<ThreadView> {
    return this.#view(repos, await this.#find(repos, id));
  }

  async list(repos: TenantRepositories, query: PageQuery & { hierarchyId?: string; metadata?: Record<string, unknown> }): Promise<Slice<ThreadView>> {
    const hierarchyId = query.hierarchyId === undefined ? undefined : (await getHierarchyByRef(repos, query.hierarchyId)).id;
    const slice = await repos.threads.list({ ...query, hierarchyId });
    return { items: await Promise.all(slice.items.map((t) => this.#view(repos, t))), total: slice.total };
  }

  async update(repos: TenantRepositories, id: string, metadata: Record<string, unknown>): Promise<ThreadView> {
    const thread = await repos.threads.update(id, { metadata });
    if (!thread) throw new NotFoundError(`thread ${id} not found`, 'THREAD_NOT_FOUND');
    return this.#view(repos, thread);
  }

  /** Deletes the thread and its runs (their events too); refused while a run of it is live. */
  async delete(repos: TenantRepositories, id: string): Promise<{ id: string; deleted: true }> {
    await this.#find(repos, id);
    const live = await repos.runs.liveOfThread(id);
    if (live.length > 0) throw new ConflictError(`thread ${id} has a live run (${live[0]!.id}): cancel it first`, 'THREAD_BUSY');
    for (;;) {
      const { items } = await this.#deps.runs.list(repos, { page: 1, size: 100, threadId: id });
      if (items.length === 0) break;
      for (const run of items) await this.#deps.runs.delete(repos, run.id);
    }
    if (!(await repos.threads.delete(id))) throw new NotFoundError(`thread ${id} not found`, 'THREAD_NOT_FOUND');
    return { id, deleted: true };
  }

  /**
   * Starts a run on the thread, given its earlier runs as context. With a live run already:
   * `reject` answers 409 THREAD_BUSY; `interrupt` cancels it (the one cancel path) first;
   * `enqueue` makes the run wait its turn (at most MAX_ENQUEUED_PER_THREAD live runs a thread),
   * started by a sweep once the runs before it ended, and given their answers then.
   */
  async startRun(repos: TenantRepositories, input: { threadId: string; hierarchyId?: string; task: string; budget?: Budget; metadata?: Record<string, unknown>; multitaskStrategy: MultitaskStrategy }): Promise<RunRecord> {
    const thread = await this.#find(repos, input.threadId);
    if (input.hierarchyId !== undefined && (await getHierarchyByRef(repos, input.hierarchyId)).id !== thread.hierarchyId) {
      throw new ValidationError(`thread_id: thread ${thread.id} runs on hierarchy ${thread.hierarchyId}, not ${input.hierarchyId}`);
    }
    const live = await repos.runs.liveOfThread(thread.id);
    if (input.multitaskStrategy === 'enqueue' && live.length > 0) {
      if (live.length >= MAX_ENQUEUED_PER_THREAD) {
        throw new ConflictError(`thread ${thread.id} has ${live.length} live runs (at most ${MAX_ENQUEUED_PER_THREAD} with enqueue)`, 'THREAD_BUSY');
      }
      return this.#deps.runs.start(repos, thread.hierarchyId, input.task, {
        ...(input.budget && { budget: input.budget }), ...(input.metadata && { metadata: input.metadata }), thread: { id: thread.id, context: [], enqueue: true },
      });
    }
    for (const run of live) {
      if (input.multitaskStrategy === 'reject') {
        throw new ConflictError(`thread ${thread.id} has a live run (${run.id}): wait for it, cancel it, or start with multitask_strategy "interrupt"`, 'THREAD_BUSY');
      }
      try {
        await this.#deps.runs.cancel(repos, run.id);
      } catch (err) {
        // It ended on its own meanwhile: nothing to interrupt.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    const context = await threadContextOf(repos, thread.id, null, this.#deps.context);
    return this.#deps.runs.start(repos, thread.hierarchyId, input.task, {
      ...(input.budget && { budget: input.budget }), ...(input.metadata && { metadata: input.metadata }), thread: { id: thread.id, context },
    });
  }

  async #find(repos: TenantRepositories, id: string): Promise<ThreadRecord> {
    const thread = await repos.threads.find(id);
    if (!thread) throw new NotFoundError(`thread ${id} not found`, 'THREAD_NOT_FOUND');
    return thread;
  }

  async #view(repos: TenantRepositories, t: ThreadRecord): Promise<ThreadView> {
    const summary = await repos.runs.threadSummary(t.id);
    return {
      id: t.id, hierarchy_id: t.hierarchyId, metadata: t.metadata,
      status: statusOf(summary.lastRun?.status), run_count: summary.runCount, last_run_id: summary.lastRun?.id ?? null,
      created_at: t.createdAt.toISOString(), updated_at: t.updatedAt.toISOString(),
    };
  }
}
