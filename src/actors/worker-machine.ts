import { and, assign, enqueueActions, setup, type DoneActorEvent, type ErrorActorEvent } from 'xstate';
import { modelTurnActor } from './model-turn.ts';
import { toolCallActor, type ToolCallOutput } from './tool-call.ts';
import { emptyStats } from './agent-stats.ts';
import { sendToSink, type TaskEvent } from './agent-messages.ts';
import {
  abandonedTurn, answeredCallsTurn, answeredTurn, callingTurn, deliverSteering, failedTurn,
  beginModelCall, initialLoopFields, modelCallOf, startNextTask, steered, stopRequested, stopRequestOf, streamedText,
  toolCallDrafts, toolResultDrafts, turnHasCalls, turnHasNoText, turnParams, type AgentCancelEvent, type AgentSteerEvent, type StopRequest, type TurnParams,
} from './agent-loop.ts';
import { cancelledAnswer, enqueueReply, enqueueStop, reportTaskError } from './agent-reply.ts';
import type { ModelTurnOutput } from './model-turn.ts';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_SETTINGS } from '../tools/tool-settings.ts';
import { resourcesOf } from './run-resources.ts';
import { applyHumanResponse, awaitsHuman, gateCall, humanRequestDrafts, withdrawHumanRequests, type HumanResponseEvent } from './human-input.ts';
import {
  externalTool, offeredTools, partialOf, sourceOfTool, taskCleared, toolCallSpawn, TOOL_ACTOR_PREFIX,
  type WorkerContext, type WorkerInput, type WorkerToolCall,
} from './worker-context.ts';

export type { WorkerContext, WorkerCounts, WorkerInput, WorkerToolCall } from './worker-context.ts';

type WorkerEvent = TaskEvent | DoneActorEvent<ToolCallOutput> | ErrorActorEvent | AgentCancelEvent | AgentSteerEvent | HumanResponseEvent;

/**
 * A worker: idle until its team supervisor hands it a task, then its agent loop. A worker
 * without tools makes one streamed model call whose text is the answer. A worker with tools
 * offers them to the model; each tool call of a turn runs as a child actor (all of a turn's
 * calls at once), the results go back to the model, and so on for up to `maxSteps` rounds;
 * after that the model is called once more without tools, so the worker always ends with an
 * answer of its own. A failed model call is answered as an error (`ok: false`), never thrown,
 * so the supervisor sees it as a tool error; a failed tool call is the model's business.
 */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    input: {} as WorkerInput,
    events: {} as WorkerEvent,
  },
  actors: { modelTurn: modelTurnActor, toolCall: toolCallActor },
  actions: {
    // The TASK as params, typed where the transition is.
    enqueue: assign(({ context }, task: TaskEvent) => ({ queue: [...context.queue, task] })),
    // Only when a task is queued (guard `hasQueued`).
    takeNext: assign(({ context, system }) => ({
      ...startNextTask(context, resourcesOf(system).telemetry), counts: { ...context.counts, steps: 0 }, calls: [],
    })),
    announceToolCalls: ({ context, system }) => {
      sendToSink(system, toolCallDrafts(context.agent, context.calls, context.counts.toolCalls, (call) => ({
        input: call.input, tool_source: sourceOfTool(context, call.toolName),
      })));
    },
    // A call waiting for a human does not run (see human-input.ts): it is announced instead.
    startToolCalls: enqueueActions(({ context, enqueue, system }) => {
      for (const call of context.calls) {
        if (!awaitsHuman(call)) enqueue.spawnChild('toolCall', toolCallSpawn(context, call));
      }
      const asked = humanRequestDrafts(context.agent, context.calls);
      if (asked.length > 0) enqueue(() => { sendToSink(system, asked); resourcesOf(system).onHumanRequest?.(); });
    }),
    // A human's answer: an approved call runs now; a denied call or an answered question is done.
    applyHumanResponse: enqueueActions(({ context, enqueue, system }, event: HumanResponseEvent) => {
      const applied = applyHumanResponse(context.agent, context.calls, event.response);
      if (!applied) return;
      enqueue.assign({ calls: applied.calls });
      enqueue(() => sendToSink(system, [applied.draft]));
      if (applied.run) enqueue.spawnChild('toolCall', toolCallSpawn(context, applied.run));
    }),
    // Cancelled while a call waits for a human: the request is withdrawn, so a graceful stop need not wait for an answer.
    withdrawHumanRequests: enqueueActions(({ context, enqueue, system }) => {
      const { calls, drafts } = withdrawHumanRequests(context.agent, context.calls);
      if (drafts.length === 0) return;
      enqueue.assign({ calls });
      enqueue(() => sendToSink(system, drafts));
    }),
    recordToolResult: enqueueActions(({ context, enqueue }, done: DoneActorEvent<ToolCallOutput>) => {
      const actorId = done.type.slice('xstate.done.actor.'.length);
      if (!context.calls.some((c) => c.actorId === actorId && !c.done)) return;
      enqueue.assign({
        calls: context.calls.map((c) => (c.actorId === actorId
          ? { ...c, done: true, ok: done.output.ok, output: done.output.output, ...(done.output.durationMs !== undefined && { durationMs: done.output.durationMs }) }
          : c)),
      });
      // Finished: it leaves the live tree.
      enqueue.stopChild(actorId);
    }),
    returnToolResults: enqueueActions(({ context, enqueue, system }) => {
      const drafts = toolResultDrafts(context.agent, context.calls, (call) => ({
        tool_source: sourceOfTool(context, call.toolName), ...(call.durationMs !== undefined && { duration_ms: call.durationMs }),
      }));
      enqueue(() => sendToSink(system, drafts));
      enqueue.assign({ ...answeredCallsTurn(context, context.calls), calls: [] });
    }),
    replyOk: enqueueActions(({ context, enqueue, system }) => enqueueReply(context, true, enqueue, system)),
    replyError: enqueueActions(({ context, enqueue, system }) => enqueueReply(context, false, enqueue, system, partialOf(context, streamedText(context, system)))),
    reportError: ({ context, system }) => reportTaskError(context, system),
    finishTask: assign(({ context }) => taskCleared(context)),
    steer: assign(({ context, system }, event: AgentSteerEvent) => steered(context, event, system)),
    deliverSteering: assign(({ context }) => deliverSteering(context)),
    beginModelCall: assign(({ context }) => beginModelCall(context)),
    /** A graceful cancel: the task ends once the model turn (or the tool calls) in progress settles. */
    requestStop: assign(({ context }, event: AgentCancelEvent) => stopRequested(context, event)),
    /** Stops now (a hard cancel, or a graceful one once settled): what the task produced so far is its partial output. */
    stop: enqueueActions(({ context, enqueue, system }, { request, turnText }: { request: StopRequest; turnText: string | 'streamed' }) => {
      const text = turnText === 'streamed' ? streamedText(context, system) : turnText;
      enqueueStop(context, request, context.current ? partialOf(context, text) : null, enqueue, system);
      enqueue.assign(taskCleared(context));
    }),
    /** Aborts the tool calls still running (their actors are the worker's children). */
    stopToolCalls: enqueueActions(({ context, enqueue }) => {
      for (const call of context.calls) if (!call.done) enqueue.stopChild(call.actorId);
    }),
    /** A tool call that could not be made at all (a spent budget): the task ends with that failure. */
    recordToolFailure: assign(({ context }, error: unknown) => failedTurn(context, error)),
    answerStopped: enqueueActions(({ enqueue }, task: TaskEvent) => enqueue.sendParent(cancelledAnswer(task))),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    // The model-turn guards take the done event's output as params (`turnParams`), typed where the transition is.
    callsToRun: ({ context }, { output }: TurnParams) => turnHasCalls(output) && offeredTools(context).length > 0,
    callsWithoutAnswer: (_, { output }: TurnParams) => turnHasCalls(output) && turnHasNoText(output),
    allToolCallsDone: ({ context }) => context.calls.every((c) => c.done),
    stopRequested: ({ context }) => context.control.stopping !== null,
    graceful: (_, { mode }: { mode: AgentCancelEvent['mode'] }) => mode === 'graceful',
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({
    agent: input.agent,
    tools: input.tools ?? { settings: DEFAULT_TOOL_SETTINGS, maxSteps: DEFAULT_MAX_TOOL_STEPS },
    externalTools: input.externalTools ?? [],
    current: null, queue: [], messages: [], calls: [], counts: { steps: 0, toolCalls: 0, actors: 0 },
    lastResult: null, lastError: null, stats: emptyStats(), turnSpan: null, ...initialLoopFields(),
  }),
  initial: 'idle',
  on: {
    TASK: { actions: { type: 'enqueue', params: ({ event }) => event } },
    'AGENT.STEER': { actions: { type: 'steer', params: ({ event }) => event } },
    // Graceful: the task ends once the model turn (or the tool calls) in progress settles. Hard:
    // now — leaving the state aborts the model call (its connection closes) and the tool calls;
    // what the call had streamed is kept.
    // A request waiting for a human is withdrawn first, so a graceful stop need not wait for an answer.
    'AGENT.CANCEL': [
      { guard: { type: 'graceful', params: ({ event }) => event }, actions: ['withdrawHumanRequests', { type: 'requestStop', params: ({ event }) => event }] },
      {
        target: '.stopped',
        actions: ['withdrawHumanRequests', 'stopToolCalls', { type: 'stop', params: ({ context, event }) => ({ request: stopRequestOf(context, event), turnText: 'streamed' as const }) }],
      },
    ],
  },
  states: {
    idle: {
      always: [
        { guard: 'stopRequested', target: 'stopped', actions: { type: 'stop', params: ({ context }) => ({ request: context.control.stopping!, turnText: '' }) } },
        { guard: 'hasQueued', target: 'working', actions: 'takeNext' },
      ],
    },
    working: {
      entry: ['deliverSteering', 'beginModelCall'],
      invoke: {
        src: 'modelTurn',
        input: ({ context }) => ({
          agent: context.agent, messages: context.messages, tools: offeredTools(context), parallelToolCalls: true, parentSpan: context.turnSpan,
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
            guard: { type: 'callsToRun', params: turnParams },
            target: 'usingTools',
            actions: [
              assign(({ context, event }) => {
                const { toolCalls } = event.output;
                return {
                  ...callingTurn(context, event.output, { steps: context.counts.steps + 1, actors: context.counts.actors + toolCalls.length }),
                  calls: toolCalls.map((call, i): WorkerToolCall => gateCall(context.agent, {
                    toolCallId: call.toolCallId, toolName: call.toolName, input: call.input,
                    ...(call.error && { error: call.error }),
                    actorId: `${TOOL_ACTOR_PREFIX}${context.counts.actors + i + 1}`, done: false, ok: false, output: '',
                  }, externalTool(context, call.toolName))),
                };
              }),
              'announceToolCalls',
            ],
          },
          {
            // Tool calls where none were offered (the final, tool-less call) and no text: nothing to answer with.
            guard: { type: 'callsWithoutAnswer', params: turnParams },
            target: 'idle',
            actions: [
              assign(({ context, event }) =>
                abandonedTurn(context, event.output, `gave up after ${context.counts.steps} rounds of tool calls without a final answer`)),
              'reportError',
              'replyError',
              'finishTask',
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
    usingTools: {
      entry: 'startToolCalls',
      on: {
        'xstate.done.actor.*': { actions: { type: 'recordToolResult', params: ({ event }) => event } },
        'HUMAN.RESPONSE': { actions: { type: 'applyHumanResponse', params: ({ event }) => event } },
        // Only a call that may not be made (a spent budget) fails its actor; an abort has nobody listening.
        'xstate.error.actor.*': {
          target: 'idle',
          actions: ['stopToolCalls', { type: 'recordToolFailure', params: ({ event }: { event: ErrorActorEvent }) => event.error }, 'reportError', 'replyError', 'finishTask'],
        },
      },
      always: [
        {
          guard: and(['allToolCallsDone', 'stopRequested']),
          target: 'stopped',
          actions: ['returnToolResults', { type: 'stop', params: ({ context }) => ({ request: context.control.stopping!, turnText: '' }) }],
        },
        { guard: 'allToolCallsDone', target: 'working', actions: 'returnToolResults' },
      ],
    },
    /** Cancelled: it answers every task `cancelled` at once, for the rest of the run. */
    stopped: {
      on: { TASK: { actions: { type: 'answerStopped', params: ({ event }) => event } }, 'AGENT.STEER': {}, 'AGENT.CANCEL': {} },
    },
  },
});

export type { ModelTurnOutput };
