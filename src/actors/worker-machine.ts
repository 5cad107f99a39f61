import { assign, sendParent, setup } from 'xstate';
import { modelTurnActor } from './model-turn.ts';
import { emptyStats, addTurn, type AgentStats } from './agent-stats.ts';
import { emitVia, errorText, openingMessages, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import type { AgentPlan } from './run-plan.ts';

export interface WorkerContext {
  kind: 'worker';
  agent: AgentPlan;
  current: TaskEvent | null;
  /** Tasks that arrived while busy (a parent in parallel mode may send several). */
  queue: TaskEvent[];
  lastResult: string | null;
  lastError: string | null;
  stats: AgentStats;
}

/**
 * A worker: idle until its team supervisor hands it a task, then one streamed model call
 * whose text is the answer. A failed call is answered as an error (`ok: false`), never thrown,
 * so the supervisor sees it as a tool error.
 */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    input: {} as { agent: AgentPlan },
    events: {} as TaskEvent,
  },
  actors: { modelTurn: modelTurnActor },
  actions: {
    enqueue: assign({ queue: ({ context, event }) => [...context.queue, event] }),
    takeNext: assign(({ context }) => ({
      current: context.queue[0] ?? null,
      queue: context.queue.slice(1),
      stats: context.queue[0] ? { ...context.stats, tasks: context.stats.tasks + 1 } : context.stats,
    })),
    replyOk: sendParent(({ context }): ResultEvent => ({
      type: 'RESULT', callId: context.current!.callId, ok: true, output: context.lastResult ?? '',
    })),
    replyError: sendParent(({ context }): ResultEvent => ({
      type: 'RESULT', callId: context.current!.callId, ok: false, output: context.lastError ?? 'unknown error',
    })),
    reportError: ({ context, system }) => {
      emitVia(system, context.agent, 'system', 'error', { error: context.lastError, task: context.current?.task });
    },
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({ kind: 'worker', agent: input.agent, current: null, queue: [], lastResult: null, lastError: null, stats: emptyStats() }),
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
          agent: context.agent,
          messages: openingMessages(context.agent, context.current!.task),
          tools: [],
          parallelToolCalls: false,
        }),
        onDone: {
          target: 'idle',
          actions: [
            assign(({ context, event }) => ({ stats: addTurn(context.stats, event.output), lastResult: event.output.text })),
            'replyOk',
            assign({ current: null }),
          ],
        },
        onError: {
          target: 'idle',
          actions: [
            assign(({ context, event }) => ({
              stats: { ...context.stats, errors: context.stats.errors + 1 },
              lastError: errorText(event.error),
            })),
            'reportError',
            'replyError',
            assign({ current: null }),
          ],
        },
      },
    },
  },
});
