import type {
  AgentCard, CancelTaskRequest, DeleteTaskPushNotificationConfigRequest, GetTaskPushNotificationConfigRequest, GetTaskRequest,
  ListTaskPushNotificationConfigsRequest, ListTaskPushNotificationConfigsResponse, ListTasksRequest, ListTasksResponse, Message,
  SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task, TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import {
  ExtendedAgentCardNotConfiguredError, RequestMalformedError, TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import { ConflictError, NotFoundError } from '../../errors/app-error.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import type { HierarchyRecord } from '../../domain/hierarchy-schemas.ts';
import { terminalStatuses, type RunRecord } from '../../domain/run-records.ts';
import { metadataSchema } from '../../domain/free-form-json.ts';
import type { A2AServices } from './a2a-services.ts';
import { runUpdates } from './a2a-run-stream.ts';
import { responseOf, taskTextOf } from './a2a-messages.ts';
import { A2A_METADATA_KEY, contextIdOf, isUuid, runStatusOf, taskOf, taskStateOfRun, TERMINAL_TASK_STATES, threadIdOfContext } from './a2a-tasks.ts';
import type { A2APushConfigs } from './a2a-push-configs.ts';
import { answerOf } from './a2a-answers.ts';

const RUN_ID = /^[1-9]\d{0,15}$/;
/** The ServerCallContext state key of the request's AbortSignal (aborted when its client went away). */
export const SIGNAL_KEY = 'cadre.signal';

function signalOf(context: ServerCallContext): AbortSignal | undefined {
  return context.state.get(SIGNAL_KEY) as AbortSignal | undefined;
}
/** A client's own context id: bounded, printable. */
const CONTEXT_ID = /^[\x21-\x7e]{1,128}$/;
const DEFAULT_PAGE_SIZE = 50;

/**
 * The A2A operations over Cadre's runs for one hierarchy and one tenant: a task is a run, a
 * context a thread, input-required a run waiting for a human. Made per request (cheap: it holds
 * references only); every state lives in the runs' records and event logs, so any process
 * answers for any task.
 */
export class CadreA2AHandler implements A2ARequestHandler {
  readonly #services: A2AServices;
  readonly #repos: TenantRepositories;
  readonly #hierarchy: HierarchyRecord;
  readonly #card: AgentCard;
  readonly #push: A2APushConfigs;

  constructor(services: A2AServices, repos: TenantRepositories, hierarchy: HierarchyRecord, card: AgentCard) {
    this.#services = services;
    this.#repos = repos;
    this.#hierarchy = hierarchy;
    this.#card = card;
    this.#push = services.push;
  }

  async getAgentCard(): Promise<AgentCard> {
    return this.#card;
  }

  async getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    throw new ExtendedAgentCardNotConfiguredError('this agent has no extended card');
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const { run, after } = await this.#accept(params);
    if (params.configuration?.returnImmediately) return this.#task(run.id, params.configuration.historyLength);
    for await (const _update of runUpdates(this.#services.runs, this.#services.polledFeeds, this.#repos, run, after, signalOf(context))) {
      // Blocking: the answer is the task once it ended or needs input.
    }
    const ended = await this.#services.runs.get(this.#repos, run.id);
    const task = taskOf(ended, { historyLength: params.configuration?.historyLength });
    // An answer that is a direct reply (a2a-answers.ts) is the Message; the task stays readable by its id.
    if (ended.status === 'completed' && ended.result !== null && answerOf(ended.result).reply === 'message') return task.status!.message!;
    return task;
  }

  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    const { run, after } = await this.#accept(params);
    yield { payload: { $case: 'task', value: await this.#task(run.id, params.configuration?.historyLength) } };
    yield* runUpdates(this.#services.runs, this.#services.polledFeeds, this.#repos, run, after, signalOf(context));
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    if (params.historyLength !== undefined && params.historyLength < 0) throw new RequestMalformedError('historyLength: must not be negative');
    return this.#task((await this.#run(params.id)).id, params.historyLength);
  }

  async cancelTask(params: CancelTaskRequest): Promise<Task> {
    const run = await this.#run(params.id);
    if (terminalStatuses.has(run.status)) throw new TaskNotCancelableError(`task ${params.id} is already ${run.status}`);
    try {
      await this.#services.runs.cancel(this.#repos, run.id);
    } catch (err) {
      if (err instanceof ConflictError) throw new TaskNotCancelableError(`task ${params.id}: ${err.message}`);
      throw err;
    }
    return this.#task(run.id);
  }

  async *resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    const found = await this.#run(params.id);
    if (terminalStatuses.has(found.status)) throw new UnsupportedOperationError(`task ${params.id} is ${found.status}: there is nothing left to follow`);
    // The last event first, then the record: what the Task shows is at least as new as where following starts.
    const after = (await this.#services.runs.eventLog.last(found.id))?.sequence ?? 0;
    const run = await this.#services.runs.get(this.#repos, found.id);
    const task = taskOf(run);
    yield { payload: { $case: 'task', value: task } };
    if (TERMINAL_TASK_STATES.has(taskStateOfRun(run))) return;
    // A subscriber follows the task to its end, through any wait for input (the Task above says it waits).
    yield* runUpdates(this.#services.runs, this.#services.polledFeeds, this.#repos, run, after, signalOf(context), true);
  }

  async listTasks(params: ListTasksRequest): Promise<ListTasksResponse> {
    const size = params.pageSize ?? DEFAULT_PAGE_SIZE;
    if (size < 1 || size > 100) throw new RequestMalformedError('pageSize: must be between 1 and 100');
    if (params.historyLength !== undefined && params.historyLength < 0) throw new RequestMalformedError('historyLength: must not be negative');
    const status = runStatusOf(params.status);
    let beforeId: number | undefined;
    if (params.pageToken) {
      const decoded = Buffer.from(params.pageToken, 'base64url').toString('utf8');
      if (!RUN_ID.test(decoded)) throw new RequestMalformedError('pageToken: not a token this server gave');
      beforeId = Number(decoded);
    }
    let changedAfter: Date | undefined;
    if (params.statusTimestampAfter) {
      changedAfter = new Date(params.statusTimestampAfter);
      if (Number.isNaN(changedAfter.getTime())) throw new RequestMalformedError('statusTimestampAfter: not a timestamp');
    }
    // A state no run has holds no tasks.
    if (status === null) return { tasks: [], nextPageToken: '', pageSize: size, totalSize: 0 };
    const slice = await this.#services.runs.list(this.#repos, {
      page: 1, size: size + 1, hierarchyId: this.#hierarchy.id,
      ...(status && { status }), ...(params.contextId && { threadId: threadIdOfContext(this.#hierarchy.id, params.contextId) }),
      ...(beforeId !== undefined && { beforeId }), ...(changedAfter && { changedAfter }),
    });
    const page = slice.items.slice(0, size);
    const more = slice.items.length > size;
    return {
      tasks: page.map((r) => taskOf(r, { historyLength: params.historyLength, includeArtifacts: params.includeArtifacts ?? false })),
      nextPageToken: more ? Buffer.from(String(page[page.length - 1]!.id)).toString('base64url') : '',
      pageSize: size,
      totalSize: slice.total,
    };
  }

  async createTaskPushNotificationConfig(params: TaskPushNotificationConfig): Promise<TaskPushNotificationConfig> {
    const run = await this.#run(params.taskId);
    return this.#push.create(this.#repos, run, params);
  }

  async getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest): Promise<TaskPushNotificationConfig> {
    return this.#push.get(this.#repos, (await this.#run(params.taskId)).id, params.id);
  }

  async listTaskPushNotificationConfigs(params: ListTaskPushNotificationConfigsRequest): Promise<ListTaskPushNotificationConfigsResponse> {
    return { configs: await this.#push.list(this.#repos, (await this.#run(params.taskId)).id), nextPageToken: '' };
  }

  async deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest): Promise<void> {
    await this.#push.delete(this.#repos, (await this.#run(params.taskId)).id, params.id);
  }

  /** A run of this hierarchy and tenant by its task id; TaskNotFound for anything else. */
  async #run(taskId: string): Promise<RunRecord> {
    const run = RUN_ID.test(taskId) ? await this.#repos.runs.find(Number(taskId)) : null;
    if (!run || run.hierarchyId !== this.#hierarchy.id) throw new TaskNotFoundError(`task ${taskId} not found`);
    return run;
  }

  async #task(id: number, historyLength?: number): Promise<Task> {
    return taskOf(await this.#services.runs.get(this.#repos, id), { historyLength });
  }

  /**
   * What a message does: answer the task's open input request, steer its live run's global
   * supervisor, or start a new run on its context (a thread, made for it when new). Answers
   * the run to follow and the sequence its updates start after.
   */
  async #accept(params: SendMessageRequest): Promise<{ run: RunRecord; after: number }> {
    const message = params.message;
    if (!message) throw new RequestMalformedError('message: required');
    if (!message.messageId) throw new RequestMalformedError('message.messageId: required');
    if (message.parts.length === 0) throw new RequestMalformedError('message.parts: at least one part');
    if (message.taskId) return this.#continue(message);
    if (message.contextId && !CONTEXT_ID.test(message.contextId)) throw new RequestMalformedError('contextId: 1-128 printable ASCII characters');
    const ownContext = message.contextId && !isUuid(message.contextId) ? { context_id: message.contextId } : {};
    const metadata = { [A2A_METADATA_KEY]: { message_id: message.messageId, ...ownContext, ...(message.metadata && { metadata: message.metadata }) } };
    const checked = metadataSchema().safeParse(metadata);
    if (!checked.success) throw new RequestMalformedError(`message.metadata: ${checked.error.issues[0]?.message ?? 'too large'}`);
    const threadId = await this.#context(message.contextId);
    const run = await this.#services.threads.startRun(this.#repos, {
      threadId, task: taskTextOf(message), metadata, multitaskStrategy: 'reject',
    }).catch((err: unknown) => {
      if (err instanceof ConflictError) throw new UnsupportedOperationError(`contextId ${threadId}: ${err.message}`);
      throw err;
    });
    if (params.configuration?.taskPushNotificationConfig) {
      await this.#push.create(this.#repos, run, { ...params.configuration.taskPushNotificationConfig, taskId: String(run.id) });
    }
    return { run, after: 0 };
  }

  /** The thread of a message's context: the one it names (made when new), or a new one. */
  async #context(contextId: string): Promise<string> {
    const { threads } = this.#services;
    if (!contextId) return (await threads.create(this.#repos, { hierarchyId: this.#hierarchy.id })).id;
    const threadId = threadIdOfContext(this.#hierarchy.id, contextId);
    const thread = await threads.create(this.#repos, { hierarchyId: this.#hierarchy.id, threadId, ifExists: 'do_nothing' });
    if (thread.hierarchy_id !== this.#hierarchy.id) throw new RequestMalformedError(`contextId: ${contextId} belongs to another agent`);
    return thread.id;
  }

  /** A message on an existing task: an answer when the run waits for a human, else steering for its global supervisor. */
  async #continue(message: Message): Promise<{ run: RunRecord; after: number }> {
    const run = await this.#run(message.taskId);
    if (message.contextId && message.contextId !== contextIdOf(run)) throw new RequestMalformedError(`contextId: task ${run.id} belongs to another context`);
    if (terminalStatuses.has(run.status)) throw new UnsupportedOperationError(`task ${run.id} is ${run.status}: it takes no more messages (send a new message on its context)`);
    const after = (await this.#services.runs.eventLog.last(run.id))?.sequence ?? 0;
    if (run.status === 'waiting_input') {
      await this.#services.humanInput.respond(this.#repos, responseOf(run.id, run.pendingInputs, message)).catch((err: unknown) => {
        if (err instanceof ConflictError) throw new UnsupportedOperationError(`task ${run.id}: ${err.message}`);
        throw err;
      });
      // Its webhooks are told of the rest of the run (the follower stopped when it parked).
      if ((await this.#repos.pushConfigs.list(run.id)).length > 0) await this.#push.follow(this.#repos, await this.#services.runs.get(this.#repos, run.id));
      return { run, after };
    }
    const agentId = (run.topologySnapshot?.global_supervisor as { agent_id?: string } | undefined)?.agent_id;
    if (!agentId) throw new UnsupportedOperationError(`task ${run.id} cannot be steered`);
    await this.#services.agents.control(this.#repos, run.id, { kind: 'steer', agentId, message: taskTextOf(message) }).catch((err: unknown) => {
      if (err instanceof ConflictError || err instanceof NotFoundError) throw new UnsupportedOperationError(`task ${run.id}: ${err.message}`);
      throw err;
    });
    return { run, after };
  }
}
