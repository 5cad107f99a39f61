import { and, assign, enqueueActions, setup, type AnyActorLogic } from 'xstate';
import { modelTurnActor } from './model-turn.ts';
import { workerMachine, type WorkerInput } from './worker-machine.ts';
import { emptyStats } from './agent-stats.ts';
import { emitVia, sendToSink, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import {
  abandonedTurn, answeredCallsTurn, answeredTurn, callingTurn, deliverSteering, failedTurn,
  beginModelCall, initialLoopFields, modelCallOf, startNextTask, steered, stopRequested, stopRequestOf, streamedText, toolCallDrafts,
  toolResultDrafts, turnHasCalls, turnParams, type AgentCancelEvent, type AgentCounts, type AgentLoopContext, type AgentSteerEvent, type StopRequest,
  type TurnParams,
} from './agent-loop.ts';
import { cancelledAnswer, enqueueReply, enqueueStop, reportTaskError } from './agent-reply.ts';
import { addUsage, outcomeText } from './agent-outcome.ts';
import {
  completionData, dedupeKey, newCall, planDispatch, supervisorPartial, type ChildSpec, type Delegation, type DelegationAnswers, type PendingCall,
} from './supervisor-calls.ts';
import type { AgentPlan } from './run-plan.ts';
import { resourcesOf } from './run-resources.ts';

/** A supervisor's input: its own plan and its children's (`TChildInput`: a team's or a worker's input). */
export interface SupervisorInput<TChildInput> {
  agent: AgentPlan;
  children: Array<ChildSpec & { input: TChildInput }>;
  parallel: boolean;
  /** Global: enable_context_sharing between teams. Team: share_context between its workers. */
  shareContext: boolean;
  maxTurns: number;
}

/**
 * The logic of a supervisor's children as `setup` sees it: a team's supervisor spawns workers and
 * the global one spawns supervisors (this machine, provided as `child` below), and a machine cannot
 * name its own type before it exists, so the registered slot is widened to any logic — every
 * child is still spawned by its registered name, which a persisted snapshot can restore.
 */
const workerLogic: AnyActorLogic = workerMachine;

/** The address of an agent in its run's actor system: control messages reach it by this. */
export const agentSystemId = (agentId: string): string => `agent:${agentId}`;

export interface SupervisorCounts extends AgentCounts {
  /** Model turns of the current task. */
  turns: number;
  /** Tasks handed to children over the supervisor's life: each dispatch id is `<agent_id>#<n>`. */
  dispatches: number;
}

/** A supervisor's context (its fields grouped: see AgentLoopContext). */
export interface SupervisorContext extends AgentLoopContext {
  delegation: Delegation;
  calls: PendingCall[];
  answers: DelegationAnswers;
  counts: SupervisorCounts;
}

type SupervisorEvent = TaskEvent | ResultEvent | AgentCancelEvent | AgentSteerEvent;

/**
 * A supervisor (global or team): its children are spawned once and live as long as it does, so
 * the actor tree mirrors the hierarchy. For each task it runs the agent loop: a model turn; each
 * tool call is a delegation to the matching child (one at a time, or all at once in parallel
 * mode); the results go back to the model; until the model answers without tool calls.
 */
const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    input: {} as SupervisorInput<WorkerInput | SupervisorInput<WorkerInput>>,
    events: {} as SupervisorEvent,
  },
  // `child`: the logic of every child, registered by name so a checkpoint can name it: workers for
  // a team's supervisor, teams' supervisors for the global one (provided below).
  actors: { modelTurn: modelTurnActor, child: workerLogic },
  actions: {
    // The TASK as params, typed where the transition is.
    enqueue: assign(({ context }, task: TaskEvent) => ({ queue: [...context.queue, task] })),
    // Only when a task is queued (guard `hasQueued`).
    takeNext: assign(({ context, system }) => ({
      ...startNextTask(context, resourcesOf(system).telemetry), counts: { ...context.counts, turns: 0 }, calls: [],
    })),
    announceCalls: ({ context, system }) => {
      sendToSink(system, toolCallDrafts(context.agent, context.calls, context.counts.toolCalls, (call) => ({ input: { task: call.task } })));
    },
    /** Answers unknown tools and duplicates at once, then hands out what may start now. */
    dispatch: enqueueActions(({ context, enqueue, system }) => {
      const plan = planDispatch(context, Date.now());
      for (const { child, call } of plan.answered) enqueue(() => emitCompletion(system, context, child, call));
      for (const { child, call, task } of plan.started) {
        enqueue(() => emitVia(system, context.agent, 'dispatch', child.kind, child.kind === 'team'
          ? { team_name: child.teamName, task, tool_call_id: call.toolCallId }
          : { team_name: child.teamName, worker_name: child.name, task, tool_call_id: call.toolCallId }));
        enqueue.sendTo(child.actorId, { type: 'TASK', callId: call.dispatchId!, task, trace: context.turnSpan } satisfies TaskEvent);
      }
      enqueue.assign({ calls: plan.calls, counts: { ...context.counts, dispatches: plan.dispatches } });
    }),
    recordResult: enqueueActions(({ context, enqueue, system }, result: ResultEvent) => {
      const owner = context.calls.find((c) => c.dispatchId === result.callId && c.status === 'running');
      if (!owner) return; // not of this turn: a late answer to a task already given up on
      const child = context.delegation.children.find((ch) => ch.toolName === owner.toolName)!;
      const { outcome } = result;
      const ok = outcome.status === 'completed';
      const output = outcomeText(outcome);
      const calls = context.calls.map((c) =>
        c === owner || (c.status === 'waiting' && c.waitingFor === result.callId)
          ? { ...c, status: 'done' as const, ok, output, outcome, deduplicated: c !== owner }
          : c);
      for (const call of calls.filter((c) => c.status === 'done' && (c.dispatchId === result.callId || c.waitingFor === result.callId))) {
        enqueue(() => emitCompletion(system, context, child, call));
      }
      enqueue.assign({
        calls,
        // The child's spend is the task's too (once: twins waiting on it shared the same work).
        usage: addUsage(context.usage, outcome.usage),
        answers: {
          cache: ok && child.preventDuplicate ? { ...context.answers.cache, [dedupeKey(owner.toolName, owner.task)]: output } : context.answers.cache,
          finished: ok && child.sharesContext ? [...context.answers.finished, { name: child.name, output }] : context.answers.finished,
        },
      });
    }),
    returnResults: enqueueActions(({ context, enqueue, system }) => {
      const drafts = toolResultDrafts(context.agent, context.calls, (call) => (call.outcome ? { status: call.outcome.status } : {}));
      enqueue(() => sendToSink(system, drafts));
      enqueue.assign({ ...answeredCallsTurn(context, context.calls), calls: [] });
    }),
    replyOk: enqueueActions(({ context, enqueue, system }) => enqueueReply(context, true, enqueue, system)),
    replyError: enqueueActions(({ context, enqueue, system }) => enqueueReply(context, false, enqueue, system, supervisorPartial(context, streamedText(context, system)))),
    reportError: ({ context, system }) => reportTaskError(context, system),
    finishTask: assign({ current: null, messages: [], calls: [], turnSpan: null }),
    steer: assign(({ context, system }, event: AgentSteerEvent) => steered(context, event, system)),
    deliverSteering: assign(({ context }) => deliverSteering(context)),
    beginModelCall: assign(({ context }) => beginModelCall(context)),
    /** The cancel reaches the whole subtree: every child gets it, named after the agent it was addressed to. */
    cancelChildren: enqueueActions(({ context, enqueue }, request: StopRequest) => {
      for (const child of context.delegation.children) enqueue.sendTo(child.actorId, { type: 'AGENT.CANCEL', mode: request.mode, by: request.by } satisfies AgentCancelEvent);
    }),
    /** A graceful cancel: the task ends once its model turn, or its children's current work, settles. */
    requestStop: assign(({ context }, event: AgentCancelEvent) => stopRequested(context, event)),
    stop: enqueueActions(({ context, enqueue, system }, { request, turnText }: { request: StopRequest; turnText: string | 'streamed' }) => {
      const text = turnText === 'streamed' ? streamedText(context, system) : turnText;
      enqueueStop(context, request, context.current ? supervisorPartial(context, text) : null, enqueue, system);
      enqueue.assign({ current: null, messages: [], calls: [], turnSpan: null });
    }),
    answerStopped: enqueueActions(({ enqueue }, task: TaskEvent) => enqueue.sendParent(cancelledAnswer(task))),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    allCallsDone: ({ context }) => context.calls.every((c) => c.status === 'done'),
    // The model-turn guards take the done event's output as params (`turnParams`), typed where the transition is.
    turnHasCalls: (_, { output }: TurnParams) => turnHasCalls(output),
    callsPastTurnLimit: ({ context }, { output }: TurnParams) => turnHasCalls(output) && context.counts.turns >= context.delegation.maxTurns,
    stopRequested: ({ context }) => context.control.stopping !== null,
    graceful: (_, { mode }: { mode: AgentCancelEvent['mode'] }) => mode === 'graceful',
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input, spawn }) => {
    for (const child of input.children) {
      spawn('child', { id: child.actorId, systemId: agentSystemId(child.agentId), input: child.input });
    }
    return {
      agent: input.agent,
      delegation: {
        children: input.children.map(({ input: _input, ...spec }) => spec),
        parallel: input.parallel, shareContext: input.shareContext, maxTurns: input.maxTurns,
      },
      current: null, queue: [], messages: [], calls: [], answers: { finished: [], cache: {} },
      counts: { turns: 0, dispatches: 0, toolCalls: 0 }, lastResult: null, lastError: null, stats: emptyStats(), turnSpan: null, ...initialLoopFields(),
    };
  },
  initial: 'idle',
  on: {
    TASK: { actions: { type: 'enqueue', params: ({ event }) => event } },
    'AGENT.STEER': { actions: { type: 'steer', params: ({ event }) => event } },
    // The cancel reaches the subtree either way. Graceful: the task ends where the turn (or the
    // children's work) in progress settles; hard: now, leaving the state aborts the model call.
    'AGENT.CANCEL': [
      {
        guard: { type: 'graceful', params: ({ event }) => event },
        actions: [{ type: 'cancelChildren', params: ({ context, event }) => stopRequestOf(context, event) }, { type: 'requestStop', params: ({ event }) => event }],
      },
      {
        target: '.stopped',
        actions: [
          { type: 'cancelChildren', params: ({ context, event }) => stopRequestOf(context, event) },
          { type: 'stop', params: ({ context, event }) => ({ request: stopRequestOf(context, event), turnText: 'streamed' as const }) },
        ],
      },
    ],
  },
  states: {
    idle: {
      always: [
        { guard: 'stopRequested', target: 'stopped', actions: { type: 'stop', params: ({ context }) => ({ request: context.control.stopping!, turnText: '' }) } },
        { guard: 'hasQueued', target: 'thinking', actions: 'takeNext' },
      ],
    },
    thinking: {
      entry: ['deliverSteering', 'beginModelCall'],
      invoke: {
        src: 'modelTurn',
        input: ({ context }) => ({
          agent: context.agent,
          messages: context.messages,
          tools: context.delegation.children.map((c) => ({ toolName: c.toolName, description: c.description })),
          parallelToolCalls: context.delegation.parallel,
          parentSpan: context.turnSpan,
          call: modelCallOf(context),
        }),
        onDone: [
          {
            guard: 'stopRequested',
            target: 'stopped',
            actions: [
              assign(({ context, event }) => answeredTurn(context, event.output)),
              { type: 'stop', params: ({ context, event }) => ({ request: context.control.stopping!, turnText: event.output.text }) },
            ],
          },
          {
            guard: { type: 'callsPastTurnLimit', params: turnParams },
            target: 'idle',
            actions: [
              assign(({ context, event }) =>
                abandonedTurn(context, event.output, `gave up after ${context.delegation.maxTurns} model turns without a final answer`)),
              'reportError',
              'replyError',
              'finishTask',
            ],
          },
          {
            guard: { type: 'turnHasCalls', params: turnParams },
            target: 'delegating',
            actions: [
              assign(({ context, event }) => ({
                ...callingTurn(context, event.output, { turns: context.counts.turns + 1 }),
                calls: event.output.toolCalls.map(newCall),
              })),
              'announceCalls',
            ],
          },
          {
            target: 'idle',
            actions: [
              assign(({ context, event }) => answeredTurn(context, event.output)),
              'replyOk',
              'finishTask',
            ],
          },
        ],
        onError: {
          target: 'idle',
          actions: [
            assign(({ context, event }) => failedTurn(context, event.error)),
            'reportError',
            'replyError',
            'finishTask',
          ],
        },
      },
    },
    delegating: {
      entry: 'dispatch',
      on: {
        RESULT: { actions: [{ type: 'recordResult', params: ({ event }) => event }, 'dispatch'] },
      },
      always: [
        {
          guard: and(['allCallsDone', 'stopRequested']),
          target: 'stopped',
          actions: ['returnResults', { type: 'stop', params: ({ context }) => ({ request: context.control.stopping!, turnText: '' }) }],
        },
        {
          guard: 'allCallsDone',
          target: 'thinking',
          actions: 'returnResults',
        },
      ],
    },
    /** Cancelled with its subtree: it answers every task `cancelled` at once; late answers of its children are dropped. */
    stopped: {
      on: { TASK: { actions: { type: 'answerStopped', params: ({ event }) => event } }, 'AGENT.STEER': {}, 'AGENT.CANCEL': {} },
    },
  },
});

/** A team's supervisor: its children are the team's workers. */
export const teamSupervisorMachine = supervisorMachine;

/** The global supervisor: its children are the teams' supervisors. */
export const globalSupervisorMachine = supervisorMachine.provide({ actors: { child: teamSupervisorMachine } });

function emitCompletion(system: Parameters<typeof emitVia>[0], context: SupervisorContext, child: ChildSpec, call: PendingCall): void {
  emitVia(system, context.agent, 'dispatch', `${child.kind}_completed`, completionData(child, call, Date.now()));
}
