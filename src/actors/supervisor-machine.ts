import { and, assign, enqueueActions, setup, type AnyActorLogic, type AnyActorRef, type AnyStateMachine } from 'xstate';
import { toolResultsMessage, type ConversationMessage } from '../models/conversation.ts';
import { modelTurnActor } from './model-turn.ts';
import { workerMachine } from './worker-machine.ts';
import { addFailedTurn, addTurn, emptyStats, type AgentStats } from './agent-stats.ts';
import { draftOf, emitVia, errorText, sendToSink, openingMessages, type ResultEvent, type TaskEvent } from './agent-messages.ts';
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
    takeNext: assign(({ context }) => {
      const next = context.queue[0]!;
      return {
        current: next,
        queue: context.queue.slice(1),
        messages: openingMessages(context.agent, next.task),
        turns: 0,
        calls: [],
        stats: { ...context.stats, tasks: context.stats.tasks + 1 },
        turnSpan: context.telemetry.startAgentTurn(next.trace ?? null, context.agent),
      };
    }),
    announceCalls: ({ context, system }) => {
      let count = context.toolCallCount - context.calls.length;
      sendToSink(system, context.calls.map((call) => draftOf(context.agent, 'llm', 'tool_call', {
        tool_name: call.toolName, tool_call_id: call.toolCallId, tool_count: ++count, input: { task: call.task },
      })));
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
      const drafts = context.calls.map((call) => draftOf(context.agent, 'llm', 'tool_result', {
        tool_name: call.toolName, tool_call_id: call.toolCallId, is_error: !call.ok, result: call.output,
      }));
      enqueue(() => sendToSink(system, drafts));
      enqueue.assign({
        messages: [...context.messages, toolResultsMessage(context.calls)],
        calls: [],
        stats: { ...context.stats, tool_errors: context.stats.tool_errors + context.calls.filter((c) => !c.ok).length },
      });
    }),
    replyOk: enqueueActions(({ context, enqueue }) => {
      enqueue(() => context.telemetry.endAgentTurn(context.turnSpan));
      enqueue.sendParent({ type: 'RESULT', callId: context.current!.callId, ok: true, output: context.lastResult ?? '' } satisfies ResultEvent);
    }),
    replyError: enqueueActions(({ context, enqueue }) => {
      const output = context.lastError ?? 'unknown error';
      enqueue(() => context.telemetry.endAgentTurn(context.turnSpan, output));
      enqueue.sendParent({ type: 'RESULT', callId: context.current!.callId, ok: false, output } satisfies ResultEvent);
    }),
    reportError: ({ context, system }) => {
      emitVia(system, context.agent, 'system', 'error', { error: context.lastError, task: context.current?.task });
    },
    finishTask: assign({ current: null, messages: [], calls: [], turnSpan: null }),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    allCallsDone: ({ context }) => context.calls.every((c) => c.status === 'done'),
    turnHasCalls: ({ event }) => (event as unknown as { output: { toolCalls: unknown[] } }).output.toolCalls.length > 0,
    tooManyTurns: ({ context }) => context.turns >= context.maxTurns,
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
            guard: and(['turnHasCalls', 'tooManyTurns']),
            target: 'idle',
            actions: [
              assign(({ context, event }) => ({
                // The turn was made: its tokens count even though its calls are not followed.
                stats: { ...addTurn(context.stats, event.output), errors: context.stats.errors + 1 },
                lastError: `gave up after ${context.maxTurns} model turns without a final answer`,
              })),
              'reportError',
              'replyError',
              'finishTask',
            ],
          },
          {
            guard: 'turnHasCalls',
            target: 'delegating',
            actions: [
              assign(({ context, event }) => ({
                stats: { ...addTurn(context.stats, event.output), tool_calls: context.stats.tool_calls + event.output.toolCalls.length },
                turns: context.turns + 1,
                messages: [...context.messages, event.output.message],
                calls: event.output.toolCalls.map(newCall),
                toolCallCount: context.toolCallCount + event.output.toolCalls.length,
              })),
              'announceCalls',
            ],
          },
          {
            target: 'idle',
            actions: [
              assign(({ context, event }) => ({ stats: addTurn(context.stats, event.output), lastResult: event.output.text })),
              'replyOk',
              'finishTask',
            ],
          },
        ],
        onError: {
          target: 'idle',
          actions: [
            assign(({ context, event }) => ({ stats: addFailedTurn(context.stats, event.error), lastError: errorText(event.error) })),
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
