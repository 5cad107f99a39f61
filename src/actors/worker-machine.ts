import { assign, enqueueActions, setup, type DoneActorEvent } from 'xstate';
import { modelTurnActor, type ToolSpec } from './model-turn.ts';
import { toolCallActor, type ToolCallOutput } from './tool-call.ts';
import { emptyStats, type AgentStats } from './agent-stats.ts';
import { sendToSink, type TaskEvent } from './agent-messages.ts';
import {
  abandonedTurn, answeredCallsTurn, answeredTurn, callingTurn, enqueueReply, failedTurn, reportTaskError, startNextTask, toolCallDrafts, toolResultDrafts,
  turnHasCalls, turnHasNoText, turnParams, type TurnParams,
} from './agent-loop.ts';
import type { AgentPlan, WorkerToolConfig } from './run-plan.ts';
import type { ConversationMessage } from '../models/conversation.ts';
import { resolveTool, toolDefinitions } from '../tools/tool-registry.ts';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_SETTINGS } from '../tools/tool-settings.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import { noRunTelemetry, type RunTelemetry, type SpanRef } from '../telemetry/run-telemetry.ts';

export interface WorkerInput {
  agent: AgentPlan;
  /** Tool settings and the step bound; defaults apply when absent. */
  tools?: WorkerToolConfig;
  /** Tools from outside the built-in source (the MCP tools its `tools` name), resolved when the run started. */
  externalTools?: OfferedTool[];
  /** The run's metrics and spans (none when absent). */
  telemetry?: RunTelemetry;
}

/** One tool call of the current step and, once its actor finished, its answer. */
export interface WorkerToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  error?: string;
  /** The id of the tool-call actor running it (unique within the worker). */
  actorId: string;
  done: boolean;
  ok: boolean;
  output: string;
}

export interface WorkerContext {
  kind: 'worker';
  agent: AgentPlan;
  tools: WorkerToolConfig;
  externalTools: OfferedTool[];
  current: TaskEvent | null;
  /** Tasks that arrived while busy (a parent in parallel mode may send several). */
  queue: TaskEvent[];
  /** The current task's conversation: task, assistant turns, tool results. */
  messages: ConversationMessage[];
  /** Rounds of tool calls made for the current task. */
  steps: number;
  calls: WorkerToolCall[];
  /** Tool calls over the worker's life, for `tool_count`. */
  toolCallCount: number;
  /** Tool-call actors started over the worker's life, so each gets a fresh id. */
  actorCount: number;
  lastResult: string | null;
  lastError: string | null;
  stats: AgentStats;
  telemetry: RunTelemetry;
  /** The span of the current task's turn (null when tracing is off): its model and tool calls nest under it. */
  turnSpan: SpanRef | null;
}

type WorkerEvent = TaskEvent | DoneActorEvent<ToolCallOutput>;

const TOOL_ACTOR_PREFIX = 'tool:';

function offeredTools(context: WorkerContext): ToolSpec[] {
  const names = context.agent.tools ?? [];
  if (names.length === 0 || context.steps >= context.tools.maxSteps) return [];
  return [...toolDefinitions(names, context.tools.settings), ...context.externalTools]
    .map((d) => ({ toolName: d.name, description: d.description, inputSchema: d.inputSchema }));
}

const externalTool = (context: WorkerContext, name: string) => context.externalTools.find((t) => t.name === name);

const sourceOfTool = (context: WorkerContext, name: string) =>
  resolveTool(name, context.tools.settings)?.source ?? externalTool(context, name)?.source ?? null;

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
    enqueue: assign({ queue: ({ context, event }) => [...context.queue, event as TaskEvent] }),
    // Only when a task is queued (guard `hasQueued`).
    takeNext: assign(({ context }) => ({ ...startNextTask(context), steps: 0, calls: [] })),
    announceToolCalls: ({ context, system }) => {
      sendToSink(system, toolCallDrafts(context.agent, context.calls, context.toolCallCount, (call) => ({
        input: call.input, tool_source: sourceOfTool(context, call.toolName),
      })));
    },
    startToolCalls: enqueueActions(({ context, enqueue }) => {
      for (const call of context.calls) {
        enqueue.spawnChild('toolCall', {
          id: call.actorId,
          input: {
            toolCallId: call.toolCallId, toolName: call.toolName, input: call.input, settings: context.tools.settings,
            ...(call.error && { error: call.error }),
            ...(externalTool(context, call.toolName) && { viaMcp: true }),
            telemetry: context.telemetry,
            parentSpan: context.turnSpan,
          },
        });
      }
    }),
    recordToolResult: enqueueActions(({ context, event, enqueue }) => {
      const done = event as DoneActorEvent<ToolCallOutput>;
      const actorId = done.type.slice('xstate.done.actor.'.length);
      if (!context.calls.some((c) => c.actorId === actorId && !c.done)) return;
      enqueue.assign({
        calls: context.calls.map((c) => (c.actorId === actorId ? { ...c, done: true, ok: done.output.ok, output: done.output.output } : c)),
      });
      // Finished: it leaves the live tree.
      enqueue.stopChild(actorId);
    }),
    returnToolResults: enqueueActions(({ context, enqueue, system }) => {
      const drafts = toolResultDrafts(context.agent, context.calls, (call) => ({ tool_source: sourceOfTool(context, call.toolName) }));
      enqueue(() => sendToSink(system, drafts));
      enqueue.assign({ ...answeredCallsTurn(context, context.calls), calls: [] });
    }),
    replyOk: enqueueActions(({ context, enqueue }) => enqueueReply(context, true, enqueue)),
    replyError: enqueueActions(({ context, enqueue }) => enqueueReply(context, false, enqueue)),
    reportError: ({ context, system }) => reportTaskError(context, system),
    finishTask: assign({ current: null, messages: [], calls: [], steps: 0, turnSpan: null }),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    // The model-turn guards take the done event's output as params (`turnParams`), typed where the transition is.
    callsToRun: ({ context }, { output }: TurnParams) => turnHasCalls(output) && offeredTools(context).length > 0,
    callsWithoutAnswer: (_, { output }: TurnParams) => turnHasCalls(output) && turnHasNoText(output),
    allToolCallsDone: ({ context }) => context.calls.every((c) => c.done),
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({
    kind: 'worker',
    agent: input.agent,
    tools: input.tools ?? { settings: DEFAULT_TOOL_SETTINGS, maxSteps: DEFAULT_MAX_TOOL_STEPS },
    externalTools: input.externalTools ?? [],
    current: null, queue: [], messages: [], steps: 0, calls: [], toolCallCount: 0, actorCount: 0,
    lastResult: null, lastError: null, stats: emptyStats(),
    telemetry: input.telemetry ?? noRunTelemetry, turnSpan: null,
  }),
  initial: 'idle',
  on: { TASK: { actions: 'enqueue' } },
  states: {
    idle: {
      always: { guard: 'hasQueued', target: 'working', actions: 'takeNext' },
    },
    working: {
      invoke: {
        src: 'modelTurn',
        input: ({ context }) => ({
          agent: context.agent, messages: context.messages, tools: offeredTools(context), parallelToolCalls: true,
          telemetry: context.telemetry, parentSpan: context.turnSpan,
        }),
        onDone: [
          {
            guard: { type: 'callsToRun', params: turnParams },
            target: 'usingTools',
            actions: [
              assign(({ context, event }) => {
                const { toolCalls } = event.output;
                return {
                  ...callingTurn(context, event.output),
                  steps: context.steps + 1,
                  calls: toolCalls.map((call, i): WorkerToolCall => ({
                    toolCallId: call.toolCallId, toolName: call.toolName, input: call.input,
                    ...(call.error && { error: call.error }),
                    actorId: `${TOOL_ACTOR_PREFIX}${context.actorCount + i + 1}`, done: false, ok: false, output: '',
                  })),
                  actorCount: context.actorCount + toolCalls.length,
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
                abandonedTurn(context, event.output, `gave up after ${context.steps} rounds of tool calls without a final answer`)),
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
      on: { 'xstate.done.actor.*': { actions: 'recordToolResult' } },
      always: { guard: 'allToolCallsDone', target: 'working', actions: 'returnToolResults' },
    },
  },
});
