import { assign, enqueueActions, setup, type AnyActorLogic, type AnyActorRef, type AnyStateMachine } from 'xstate';
import type { ConversationMessage } from '../models/conversation.ts';
import { modelTurnActor } from './model-turn.ts';
import { workerMachine } from './worker-machine.ts';
import { emptyStats, type AgentStats } from './agent-stats.ts';
import { emitVia, sendToSink, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import {
  abandonedTurn, answeredCallsTurn, answeredTurn, callingTurn, enqueueReply, failedTurn, reportTaskError, startNextTask, toolCallDrafts, toolResultDrafts,
  turnHasCalls, turnParams, type TurnParams,
} from './agent-loop.ts';
import {
  callsToDispatch, dedupeKey, enrichTask, newCall, type ChildSpec, type PendingCall,
} from './supervisor-calls.ts';
import type { AgentPlan } from './run-plan.ts';
import { noRunTelemetry, type RunTelemetry, type SpanRef } from '../telemetry/run-telemetry.ts';

export interface SupervisorInput {
  agent: AgentPlan;
  children: Array<ChildSpec & { input: SupervisorInput | { agent: AgentPlan } }>;
  parallel: boolean;
  /** Global: enable_context_sharing between teams. Team: share_context between its workers. */
  shareContext: boolean;
  maxTurns: number;
  /** The run's metrics and spans (none when absent). */
  telemetry?: RunTelemetry;
}

type SpawnAny = (logic: AnyActorLogic, options: { id: string; input: unknown }) => AnyActorRef;

export interface SupervisorContext {
  kind: 'global_supervisor' | 'team_supervisor';
  agent: AgentPlan;
  children: ChildSpec[];
  parallel: boolean;
  shareContext: boolean;
  maxTurns: number;
  current: TaskEvent | null;
  queue: TaskEvent[];
  messages: ConversationMessage[];
  turns: number;
  calls: PendingCall[];
  /** Results of children finished in this run, for context sharing. */
  finished: Array<{ name: string; output: string }>;
  /** prevent_duplicate: child+task → earlier result. */
  cache: Record<string, string>;
  dispatchCount: number;
  toolCallCount: number;
  lastResult: string | null;
  lastError: string | null;
  stats: AgentStats;
  telemetry: RunTelemetry;
  /** The span of the current task's turn (null when tracing is off): its model calls and delegations nest under it. */
  turnSpan: SpanRef | null;
}

/**
 * A supervisor (global or team): its children are spawned once and live as long as it does, so
 * the actor tree mirrors the hierarchy. For each task it runs the agent loop: a model turn; each
 * tool call is a delegation to the matching child (one at a time, or all at once in parallel
 * mode); the results go back to the model; until the model answers without tool calls.
 */
export const supervisorMachine: AnyStateMachine = setup({
  types: {
    context: {} as SupervisorContext,
    input: {} as SupervisorInput,
    events: {} as TaskEvent | ResultEvent,
  },
  actors: { modelTurn: modelTurnActor },
  actions: {
    enqueue: assign({ queue: ({ context, event }) => [...context.queue, event as TaskEvent] }),
    // Only when a task is queued (guard `hasQueued`).
    takeNext: assign(({ context }) => ({ ...startNextTask(context), turns: 0, calls: [] })),
    announceCalls: ({ context, system }) => {
      sendToSink(system, toolCallDrafts(context.agent, context.calls, context.toolCallCount, (call) => ({ input: { task: call.task } })));
    },
    /** Answers unknown tools and duplicates at once, then hands out what may start now. */
    dispatch: enqueueActions(({ context, enqueue, system }) => {
      const now = Date.now();
      let dispatchCount = context.dispatchCount;
      const calls = context.calls.map((c) => ({ ...c }));
      for (const call of calls.filter((c) => c.status === 'queued')) {
        const child = context.children.find((ch) => ch.toolName === call.toolName);
        if (!child || call.error) {
          Object.assign(call, { status: 'done', ok: false, output: call.error ?? `unknown tool "${call.toolName}"` });
          continue;
        }
        const key = dedupeKey(call.toolName, call.task);
        if (child.preventDuplicate && key in context.cache) {
          Object.assign(call, { status: 'done', ok: true, output: context.cache[key], deduplicated: true, startedAt: now });
          enqueue(() => emitCompletion(system, context, child, call));
        }
      }
      for (const call of callsToDispatch(calls, context.parallel)) {
        const child = context.children.find((ch) => ch.toolName === call.toolName)!;
        const twin = child.preventDuplicate
          ? calls.find((c) => c !== call && c.status === 'running' && c.toolName === call.toolName && c.task === call.task)
          : undefined;
        if (twin) {
          Object.assign(call, { status: 'waiting', waitingFor: twin.dispatchId, startedAt: now });
          continue;
        }
        const task = context.shareContext ? enrichTask(call.task, context.finished, child.kind === 'team' ? 'teams' : 'workers') : call.task;
        const dispatchId = `${context.agent.agentId}#${++dispatchCount}`;
        Object.assign(call, { status: 'running', dispatchId, startedAt: now });
        enqueue(() => emitVia(system, context.agent, 'dispatch', child.kind, child.kind === 'team'
          ? { team_name: child.teamName, task, tool_call_id: call.toolCallId }
          : { team_name: child.teamName, worker_name: child.name, task, tool_call_id: call.toolCallId }));
        enqueue.sendTo(child.actorId, { type: 'TASK', callId: dispatchId, task, trace: context.turnSpan } satisfies TaskEvent);
      }
      enqueue.assign({ calls, dispatchCount });
    }),
    recordResult: enqueueActions(({ context, event, enqueue, system }) => {
      const result = event as ResultEvent;
      const owner = context.calls.find((c) => c.dispatchId === result.callId && c.status === 'running');
      if (!owner) return; // not of this turn: a late answer to a task already given up on
      const child = context.children.find((ch) => ch.toolName === owner.toolName)!;
      const calls = context.calls.map((c) =>
        c === owner || (c.status === 'waiting' && c.waitingFor === result.callId)
          ? { ...c, status: 'done' as const, ok: result.ok, output: result.output, deduplicated: c !== owner }
          : c);
      for (const call of calls.filter((c) => c.status === 'done' && (c.dispatchId === result.callId || c.waitingFor === result.callId))) {
        enqueue(() => emitCompletion(system, context, child, call));
      }
      enqueue.assign({
        calls,
        cache: result.ok && child.preventDuplicate ? { ...context.cache, [dedupeKey(owner.toolName, owner.task)]: result.output } : context.cache,
        finished: result.ok && child.sharesContext ? [...context.finished, { name: child.name, output: result.output }] : context.finished,
      });
    }),
    returnResults: enqueueActions(({ context, enqueue, system }) => {
      const drafts = toolResultDrafts(context.agent, context.calls);
      enqueue(() => sendToSink(system, drafts));
      enqueue.assign({ ...answeredCallsTurn(context, context.calls), calls: [] });
    }),
    replyOk: enqueueActions(({ context, enqueue }) => enqueueReply(context, true, enqueue)),
    replyError: enqueueActions(({ context, enqueue }) => enqueueReply(context, false, enqueue)),
    reportError: ({ context, system }) => reportTaskError(context, system),
    finishTask: assign({ current: null, messages: [], calls: [], turnSpan: null }),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    allCallsDone: ({ context }) => context.calls.every((c) => c.status === 'done'),
    // The model-turn guards take the done event's output as params (`turnParams`), typed where the transition is.
    turnHasCalls: (_, { output }: TurnParams) => turnHasCalls(output),
    callsPastTurnLimit: ({ context }, { output }: TurnParams) => turnHasCalls(output) && context.turns >= context.maxTurns,
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input, spawn }) => {
    for (const child of input.children) {
      // The team logic is this machine itself, which setup's `actors` cannot name before it exists.
      const logic: AnyActorLogic = child.kind === 'team' ? supervisorMachine : workerMachine;
      (spawn as unknown as SpawnAny)(logic, { id: child.actorId, input: child.input });
    }
    return {
      kind: input.agent.agentType === 'global_supervisor' ? 'global_supervisor' : 'team_supervisor',
      agent: input.agent,
      children: input.children.map(({ input: _input, ...spec }) => spec),
      parallel: input.parallel,
      shareContext: input.shareContext,
      maxTurns: input.maxTurns,
      current: null, queue: [], messages: [], turns: 0, calls: [], finished: [], cache: {},
      dispatchCount: 0, toolCallCount: 0, lastResult: null, lastError: null, stats: emptyStats(),
      telemetry: input.telemetry ?? noRunTelemetry, turnSpan: null,
    };
  },
  initial: 'idle',
  on: { TASK: { actions: 'enqueue' } },
  states: {
    idle: {
      always: { guard: 'hasQueued', target: 'thinking', actions: 'takeNext' },
    },
    thinking: {
      invoke: {
        src: 'modelTurn',
        input: ({ context }) => ({
          agent: context.agent,
          messages: context.messages,
          tools: context.children.map((c) => ({ toolName: c.toolName, description: c.description })),
          parallelToolCalls: context.parallel,
          telemetry: context.telemetry,
          parentSpan: context.turnSpan,
        }),
        onDone: [
          {
            guard: { type: 'callsPastTurnLimit', params: turnParams },
            target: 'idle',
            actions: [
              assign(({ context, event }) =>
                abandonedTurn(context, event.output, `gave up after ${context.maxTurns} model turns without a final answer`)),
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
                ...callingTurn(context, event.output),
                turns: context.turns + 1,
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
      on: { RESULT: { actions: ['recordResult', 'dispatch'] } },
      always: [
        {
          guard: 'allCallsDone',
          target: 'thinking',
          actions: 'returnResults',
        },
      ],
    },
  },
});

function emitCompletion(system: Parameters<typeof emitVia>[0], context: SupervisorContext, child: ChildSpec, call: PendingCall): void {
  emitVia(system, context.agent, 'dispatch', `${child.kind}_completed`, {
    team_name: child.teamName,
    ...(child.kind === 'worker' && { worker_name: child.name }),
    tool_call_id: call.toolCallId,
    ok: call.ok,
    deduplicated: call.deduplicated,
    duration_ms: Date.now() - call.startedAt,
  });
}
