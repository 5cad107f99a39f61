import { assign, enqueueActions, fromPromise, sendTo, setup, stopChild, type AnyActorRef } from 'xstate';
import { sinkActor } from './sink-machine.ts';
import { supervisorMachine } from './supervisor-machine.ts';
import { globalSupervisorInput } from './supervisor-input.ts';
import { describeActor, finalTree, statisticsOf, type ActorNode } from './actor-tree.ts';
import { topologyOf, type RunPlan } from './run-plan.ts';
import { draftOf, emitEvent, type ResultEvent, type TaskEvent } from './agent-messages.ts';
import { MCP_TOOLS_SYSTEM_ID, mcpToolsActor, type McpToolsInput, type McpToolsReport } from './mcp-tools-actor.ts';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import { DEFAULT_MCP_SETTINGS } from '../tools/tool-settings.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import { noRunTelemetry, type RunTelemetry } from '../telemetry/run-telemetry.ts';

/** How a run records its progress; bound to the run's tenant by whoever starts it. */
export interface RunPersistence {
  /** `traceId`: the run's trace, recorded with it (null when tracing is off). */
  markRunning(runId: number, at: Date, traceId: string | null): Promise<void>;
  finish(runId: number, outcome: RunOutcome, at: Date): Promise<boolean>;
  markEnded(runId: number): Promise<void>;
}

export interface RunInput {
  plan: RunPlan;
  writer: RunEventWriter;
  persistence: RunPersistence;
  /** Cancelled before it ever ran (it was queued): record the end without starting work. */
  cancelledBeforeStart?: boolean;
  /** Reports what cannot go into the run's events (a connection that failed to close after the end). */
  warn?: (message: string) => void;
  /** The run's metrics and spans, handed down to its agents (none when absent). */
  telemetry?: RunTelemetry;
}

export interface RunContext extends RunInput {
  telemetry: RunTelemetry;
  /** The MCP tools each worker is offered, by agent id; null until the run's MCP connections are open. */
  mcpTools: Record<string, OfferedTool[]> | null;
  mcpError: string | null;
  /** When the run began its work (preparing): its time limit counts from here, MCP connects included. */
  startedAtMs: number | null;
  outcome: RunOutcome | null;
  finalTree: ActorNode | null;
  finaliseError: string | null;
}

export type RunMachineEvent = ResultEvent | McpToolsReport | { type: 'CANCEL' };

const GLOBAL = 'global-supervisor';
const MCP_TOOLS = 'mcp-tools';

const usesMcp = (plan: RunPlan) => (plan.mcpServers?.length ?? 0) > 0;

function mcpToolsInput(input: RunInput): McpToolsInput {
  const { plan } = input;
  return {
    kind: 'mcp_tools',
    servers: plan.mcpServers ?? [],
    headers: plan.mcpHeaders ?? (async () => ({})),
    workers: plan.teams.flatMap((team, t) => team.workers.map((w, i) => ({ agentId: w.agentId, path: `teams[${t}].workers[${i}]`, tools: w.tools ?? [] }))),
    settings: plan.workerTools.settings.mcp ?? DEFAULT_MCP_SETTINGS,
    ...(plan.workerTools.settings.outbound && { outbound: plan.workerTools.settings.outbound }),
    onCloseError: (message) => input.warn?.(`closing an MCP connection of run ${plan.runId} failed: ${message}`),
  };
}

/** The run's outcome with its statistics and final actor tree, taken as it settles. */
function settled(context: RunContext, self: AnyActorRef, outcome: Omit<RunOutcome, 'statistics'>): Pick<RunContext, 'outcome' | 'finalTree'> {
  const id = `run:${context.plan.runId}`;
  // Settled before its first snapshot exists (cancelled while queued): a run with no tree.
  const tree = finalTree(self.getSnapshot() ? describeActor(id, self) : { id, kind: 'run', status: 'done', state: null, children: [] });
  const stats = statisticsOf(tree);
  return { outcome: { ...outcome, statistics: { ...stats, actor_tree: tree } }, finalTree: tree };
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
    sink: sinkActor,
    globalSupervisor: supervisorMachine,
    mcpTools: mcpToolsActor,
    markRunning: fromPromise<void, RunContext>(({ input }) => input.persistence.markRunning(input.plan.runId, new Date(), input.telemetry.traceId)),
    finalise: fromPromise<void, RunContext>(async ({ input }) => {
      const { writer, persistence, plan } = input;
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
          : outcome.status === 'failed' ? { error: outcome.error, details: { statistics: shown } } : {};
        if (ours) writer.push({ source: null, category: 'lifecycle', action: outcome.status, data });
        writer.close();
        await writer.drain();
        // Counted and traced before markEnded, which may fail: the run is over either way.
        input.telemetry.endRun(outcome.status, outcome.error);
        await persistence.markEnded(plan.runId);
      }
      if (recordError) throw recordError;
    }),
  },
  actions: {
    announce: sendTo('sink', ({ context }) => emitEvent([
      draftOf(null, 'lifecycle', 'started', { task: context.plan.task }),
      draftOf(null, 'system', 'topology', { topology: topologyOf(context.plan) }),
    ])),
    delegate: sendTo(GLOBAL, ({ context }): TaskEvent => ({
      type: 'TASK', callId: `run:${context.plan.runId}`, task: context.plan.task, trace: context.telemetry.runSpan,
    })),
    /** Snapshot the tree (statistics) before stopping it: stopped actors keep no children. */
    settle: assign(({ context, self }, outcome: Omit<RunOutcome, 'statistics'>) => settled(context, self, outcome)),
    settleTimedOut: assign(({ context, self }) => settled(context, self, { status: 'failed', error: `run exceeded its time limit of ${context.plan.timeoutMs} ms` })),
    /** A run with MCP tools spawns its hierarchy once they are known (each worker's input names its tools). */
    spawnHierarchy: enqueueActions(({ context, enqueue }) => {
      if (!usesMcp(context.plan)) return;
      enqueue.spawnChild('globalSupervisor', { id: GLOBAL, input: globalSupervisorInput(context.plan, context.mcpTools ?? {}, context.telemetry) });
    }),
    stopHierarchy: stopChild(GLOBAL),
    /** Closes the run's MCP connections (the actor's cleanup does it). */
    stopMcpTools: stopChild(MCP_TOOLS),
  },
  guards: {
    mcpReady: ({ context }) => context.mcpTools !== null,
    mcpFailed: ({ context }) => context.mcpError !== null,
    cancelledBeforeStart: ({ context }) => context.cancelledBeforeStart === true,
    succeeded: ({ event }) => (event as ResultEvent).ok,
  },
  delays: {
    // What is left of the time limit: it covers waiting for MCP connections and the work alike.
    runTimeout: ({ context }) => Math.max(0, context.plan.timeoutMs - (Date.now() - (context.startedAtMs ?? Date.now()))),
  },
}).createMachine({
  id: 'run',
  context: ({ input, spawn }) => {
    const telemetry = input.telemetry ?? noRunTelemetry;
    spawn('sink', { id: 'sink', systemId: 'sink', input: { writer: input.writer, kind: 'sink' } });
    const mcp = usesMcp(input.plan) && !input.cancelledBeforeStart;
    if (mcp) spawn('mcpTools', { id: MCP_TOOLS, systemId: MCP_TOOLS_SYSTEM_ID, input: mcpToolsInput(input) });
    else spawn('globalSupervisor', { id: GLOBAL, input: globalSupervisorInput(input.plan, {}, telemetry) });
    return { ...input, telemetry, mcpTools: mcp ? null : {}, mcpError: null, startedAtMs: null, outcome: null, finalTree: null, finaliseError: null };
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
      on: { CANCEL: { target: 'finishing', actions: { type: 'settle', params: { status: 'cancelled' } } } },
      after: { runTimeout: { target: 'finishing', actions: 'settleTimedOut' } },
    },
    running: {
      entry: ['announce', 'delegate'],
      on: {
        RESULT: [
          {
            guard: 'succeeded',
            target: 'finishing',
            actions: [{ type: 'settle', params: ({ event }) => ({ status: 'completed' as const, result: (event as ResultEvent).output }) }],
          },
          {
            target: 'finishing',
            actions: [{ type: 'settle', params: ({ event }) => ({ status: 'failed' as const, error: (event as ResultEvent).output }) }],
          },
        ],
        CANCEL: { target: 'finishing', actions: { type: 'settle', params: { status: 'cancelled' } } },
      },
      after: { runTimeout: { target: 'finishing', actions: 'settleTimedOut' } },
    },
    finishing: {
      entry: ['stopHierarchy', 'stopMcpTools'],
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
