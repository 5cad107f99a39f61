import { assign, enqueueActions, fromPromise, sendTo, setup, stopChild } from 'xstate';
import { sinkActor } from './sink-machine.ts';
import { agentSystemId, globalSupervisorMachine } from './supervisor-machine.ts';
import { globalSupervisorInput } from './supervisor-input.ts';
import type { ActorNode } from './actor-tree.ts';
import { topologyOf, type RunPlan } from './run-plan.ts';
import { draftOf, emitEvent, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import { MCP_TOOLS_SYSTEM_ID, mcpToolsActor, type McpToolsInput, type McpToolsReport } from './mcp-tools-actor.ts';
import { RESOURCES_SYSTEM_ID, resourcesLogic, resourcesOf, type RunResources } from './run-resources.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import { DEFAULT_MCP_SETTINGS } from '../tools/tool-settings.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import { BUDGET_LEDGER_SYSTEM_ID, budgetLedgerLogic } from './budget-ledger-actor.ts';
import type { RunBudgetExhaustedEvent } from './budget-check.ts';
import { budgetDeadlineActor, deadlineActor, type DeadlineEvent } from './run-deadlines.ts';
import { budgetExhausted, GLOBAL_SUPERVISOR_CHILD, runOutcomeOf, settled } from './run-outcome.ts';

export type { RunPersistence } from './run-resources.ts';

/** A run's input: its plan (data) and this process's live resources for it (never kept in any context). */
export interface RunInput {
  plan: RunPlan;
  resources: RunResources;
  /** Cancelled before it ever ran (it was queued): record the end without starting work. */
  cancelledBeforeStart?: boolean;
  /** Started again after its process was lost before its first checkpoint: its start was announced already. */
  announced?: boolean;
}

/** The run's context: plain data, so the run can be persisted and restored on another process. */
export interface RunContext extends Omit<RunInput, 'resources'> {
  /** The MCP tools each worker is offered, by agent id; null until the run's MCP connections are open. */
  mcpTools: Record<string, OfferedTool[]> | null;
  mcpError: string | null;
  /** When the run began its work (preparing, epoch ms): its time limit counts from here, MCP connects and time lost to a move included. */
  startedAtMs: number | null;
  outcome: RunOutcome | null;
  finalTree: ActorNode | null;
  finaliseError: string | null;
}

export type RunMachineEvent = ResultEvent | McpToolsReport | DeadlineEvent | RunBudgetExhaustedEvent | { type: 'CANCEL' };

const MCP_TOOLS = 'mcp-tools';

const usesMcp = (plan: RunPlan) => (plan.mcpServers?.length ?? 0) > 0;

function mcpToolsInput(plan: RunPlan): McpToolsInput {
  return {
    kind: 'mcp_tools',
    servers: plan.mcpServers ?? [],
    workers: plan.teams.flatMap((team, t) => team.workers.map((w, i) => ({ agentId: w.agentId, path: `teams[${t}].workers[${i}]`, tools: w.tools ?? [] }))),
    settings: plan.workerTools.settings.mcp ?? DEFAULT_MCP_SETTINGS,
  };
}

const FINISH_RETRY_DELAYS_MS = [100, 500, 2000];

/** Recording a run's end matters more than speed: ride out a short database blip. */
async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= FINISH_RETRY_DELAYS_MS.length) throw err;
      await new Promise((resolve) => setTimeout(resolve, FINISH_RETRY_DELAYS_MS[i]));
    }
  }
}

/**
 * A run: the root of its own actor system. It owns the event sink and the global supervisor
 * (whose subtree is the hierarchy), hands the task down, and ends exactly once — completed,
 * failed (error, time limit) or cancelled — stopping its subtree (which aborts in-flight model
 * calls), recording the outcome and emitting the terminal event last.
 */
export const runMachine = setup({
  types: {
    context: {} as RunContext,
    input: {} as RunInput,
    events: {} as RunMachineEvent,
    output: {} as RunOutcome,
  },
  actors: {
    // Replaced by the run's own resources in runMachineWith: a run made without them fails at once.
    resources: resourcesLogic(null),
    sink: sinkActor,
    globalSupervisor: globalSupervisorMachine,
    mcpTools: mcpToolsActor,
    deadline: deadlineActor,
    budgetDeadline: budgetDeadlineActor,
    budgetLedger: budgetLedgerLogic,
    markRunning: fromPromise<void, RunContext>(({ input, system }) => {
      const { persistence, telemetry } = resourcesOf(system);
      return persistence.markRunning(input.plan.runId, new Date(), telemetry.traceId);
    }),
    finalise: fromPromise<void, RunContext>(async ({ input, system }) => {
      const { writer, persistence, telemetry } = resourcesOf(system);
      const { plan } = input;
      await writer.drain();
      // The hierarchy is stopped, so nothing but the terminal event can follow: it is event n.
      const statistics: Record<string, unknown> = {
        ...input.outcome!.statistics,
        event_count: writer.lastSequence + 1,
        ...(writer.lostCount > 0 && { events_lost: writer.lostCount }),
      };
      const outcome: RunOutcome = { ...input.outcome!, statistics };
      let recordError: unknown;
      // False when the run's end was already recorded by another process that took the run over
      // (this one's lease lapsed): that process wrote the terminal event, so this one writes none.
      let ours = true;
      try {
        ours = await withRetries(() => persistence.finish(plan.runId, outcome, new Date()));
      } catch (err) {
        recordError = err;
      } finally {
        // Whatever happened to the record, subscribers get the end of the run, and it is the last event.
        const { actor_tree: _tree, ...shown } = statistics;
        const data = outcome.status === 'completed' ? { result: outcome.result, statistics: shown }
          : outcome.status === 'failed' ? { error: outcome.error, ...(outcome.errorCode && { error_code: outcome.errorCode }), ...(outcome.result && { result: outcome.result }), details: { statistics: shown } } : {};
        if (ours) writer.push({ source: null, category: 'lifecycle', action: outcome.status, data });
        writer.close();
        await writer.drain();
        // Counted and traced before markEnded, which may fail: the run is over either way.
        telemetry.endRun(outcome.status, outcome.error);
        await persistence.markEnded(plan.runId);
      }
      if (recordError) throw recordError;
    }),
  },
  actions: {
    /** The run's first events (not again for a run started anew after its process was lost: they are in its log). */
    announce: enqueueActions(({ context, enqueue }) => {
      if (context.announced) return;
      enqueue.sendTo('sink', emitEvent([
        draftOf(null, 'lifecycle', 'started', { task: context.plan.task }),
        draftOf(null, 'system', 'topology', { topology: topologyOf(context.plan) }),
      ]));
    }),
    delegate: sendTo(GLOBAL_SUPERVISOR_CHILD, ({ context, system }): TaskEvent => ({
      type: 'TASK', callId: `run:${context.plan.runId}`, task: context.plan.task, trace: resourcesOf(system).telemetry.runSpan,
      ...(context.plan.threadContext && context.plan.threadContext.length > 0 && { context: context.plan.threadContext }),
    })),
    /** Snapshot the tree (statistics) before stopping it: stopped actors keep no children. */
    settle: assign(({ context, self }, outcome: Omit<RunOutcome, 'statistics'>) => settled(context.plan.runId, self, outcome)),
    settleBudgetExhausted: enqueueActions(({ context, self, enqueue, system }, event: RunBudgetExhaustedEvent) => {
      // The run's own duration ran out here, not at a call: announced here (a call's refusal was announced by the call).
      if (event.unannounced) {
        enqueue.sendTo('sink', emitEvent([draftOf(null, 'budget', 'exhausted', { scope: 'run', limit: event.limit, spent: event.spent, max: event.max })]));
        enqueue(() => resourcesOf(system).telemetry.budgetExhausted('run'));
      }
      enqueue.assign(settled(context.plan.runId, self, budgetExhausted(self, event)));
    }),
    settleTimedOut: assign(({ context, self }) => settled(context.plan.runId, self, { status: 'failed', error: `run exceeded its time limit of ${context.plan.timeoutMs} ms` })),
    /** A run with MCP tools spawns its hierarchy once they are known (each worker's input names its tools). */
    spawnHierarchy: enqueueActions(({ context, enqueue }) => {
      if (!usesMcp(context.plan)) return;
      enqueue.spawnChild('globalSupervisor', {
        id: GLOBAL_SUPERVISOR_CHILD, systemId: agentSystemId(context.plan.globalSupervisor.agentId), input: globalSupervisorInput(context.plan, context.mcpTools ?? {}),
      });
    }),
    stopHierarchy: stopChild(GLOBAL_SUPERVISOR_CHILD),
    /** Nothing is charged after the run's end: calls aborted by it announce no budget event. */
    stopLedger: stopChild(BUDGET_LEDGER_SYSTEM_ID),
    /** Closes the run's MCP connections (the actor's cleanup does it). */
    stopMcpTools: stopChild(MCP_TOOLS),
  },
  guards: {
    mcpReady: ({ context }) => context.mcpTools !== null,
    mcpFailed: ({ context }) => context.mcpError !== null,
    cancelledBeforeStart: ({ context }) => context.cancelledBeforeStart === true,
  },
}).createMachine({
  id: 'run',
  context: ({ input, spawn }) => {
    // First: every other actor finds the run's resources through it, from its first moment on.
    spawn('resources', { id: RESOURCES_SYSTEM_ID, systemId: RESOURCES_SYSTEM_ID, input: input.resources });
    spawn('sink', { id: 'sink', systemId: 'sink', input: { kind: 'sink' } });
    const mcp = usesMcp(input.plan) && !input.cancelledBeforeStart;
    // The budget ledger: every model and tool call of the run consults it (and it counts the run's cost).
    if (input.plan.budgets) spawn('budgetLedger', { id: BUDGET_LEDGER_SYSTEM_ID, systemId: BUDGET_LEDGER_SYSTEM_ID, input: { plan: input.plan } });
    if (mcp) spawn('mcpTools', { id: MCP_TOOLS, systemId: MCP_TOOLS_SYSTEM_ID, input: mcpToolsInput(input.plan) });
    else spawn('globalSupervisor', { id: GLOBAL_SUPERVISOR_CHILD, systemId: agentSystemId(input.plan.globalSupervisor.agentId), input: globalSupervisorInput(input.plan, {}) });
    const { resources: _live, ...data } = input;
    return { ...data, mcpTools: mcp ? null : {}, mcpError: null, startedAtMs: null, outcome: null, finalTree: null, finaliseError: null };
  },
  initial: 'boot',
  // The MCP connections open while the run is recorded as running; their report is kept whenever it comes.
  on: {
    'MCP.READY': { actions: assign({ mcpTools: ({ event }) => event.byAgent }) },
    'MCP.FAILED': { actions: assign({ mcpError: ({ event }) => event.error }) },
  },
  states: {
    boot: {
      always: [
        { guard: 'cancelledBeforeStart', target: 'finishing', actions: { type: 'settle', params: { status: 'cancelled' } } },
        { target: 'starting' },
      ],
    },
    starting: {
      invoke: {
        src: 'markRunning',
        input: ({ context }) => context,
        onDone: 'preparing',
        onError: {
          target: 'finishing',
          actions: { type: 'settle', params: { status: 'failed', error: 'could not record the run as running' } },
        },
      },
      on: { CANCEL: { target: 'finishing', actions: { type: 'settle', params: { status: 'cancelled' } } } },
    },
    /** Waits for the MCP connections (a run without MCP tools passes straight through). */
    preparing: {
      entry: assign({ startedAtMs: () => Date.now() }),
      always: [
        {
          guard: 'mcpFailed',
          target: 'finishing',
          actions: { type: 'settle', params: ({ context }) => ({ status: 'failed' as const, error: context.mcpError! }) },
        },
        { guard: 'mcpReady', target: 'running', actions: 'spawnHierarchy' },
      ],
      on: {
        CANCEL: { target: 'finishing', actions: { type: 'settle', params: { status: 'cancelled' } } },
        DEADLINE: { target: 'finishing', actions: 'settleTimedOut' },
      },
      invoke: { src: 'deadline', input: ({ context }) => ({ atMs: (context.startedAtMs ?? Date.now()) + context.plan.timeoutMs, kind: 'deadline' as const }) },
    },
    running: {
      entry: ['announce', 'delegate'],
      on: {
        // The global supervisor's outcome is the run's: completed, cancelled (it was cancelled as an
        // agent), or failed with its error and whatever partial result it had (budget_exhausted too).
        RESULT: { target: 'finishing', actions: { type: 'settle', params: ({ event }) => runOutcomeOf(event.outcome) } },
        CANCEL: { target: 'finishing', actions: { type: 'settle', params: { status: 'cancelled' } } },
        DEADLINE: { target: 'finishing', actions: 'settleTimedOut' },
        'BUDGET.RUN_EXHAUSTED': { target: 'finishing', actions: { type: 'settleBudgetExhausted', params: ({ event }) => event } },
      },
      invoke: [
        { src: 'deadline', input: ({ context }) => ({ atMs: (context.startedAtMs ?? Date.now()) + context.plan.timeoutMs, kind: 'deadline' as const }) },
        {
          src: 'budgetDeadline',
          input: ({ context }) => {
            const maxMs = context.plan.budgets?.run?.max_duration_ms;
            return { atMs: maxMs === undefined ? null : (context.startedAtMs ?? Date.now()) + maxMs, maxMs: maxMs ?? 0, kind: 'deadline' as const };
          },
        },
      ],
    },
    finishing: {
      entry: ['stopLedger', 'stopHierarchy', 'stopMcpTools'],
      invoke: {
        src: 'finalise',
        input: ({ context }) => context,
        onDone: 'done',
        onError: { target: 'done', actions: assign({ finaliseError: ({ event }) => String(event.error) }) },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.outcome!,
});

/**
 * The run's machine for restoring a checkpoint with this process's live resources for it (a new
 * run takes them as input instead: one shared machine, not one per run, whose definition costs
 * ~15 KB of heap).
 */
export function runMachineRestoredWith(resources: RunResources) {
  return runMachine.provide({ actors: { resources: resourcesLogic(resources) } });
}
