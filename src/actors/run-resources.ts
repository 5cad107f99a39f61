import type { ActorLogic, ActorSystem, EventObject, Snapshot } from 'xstate';

/** The event XState sends an actor that is being stopped (not exported by name). */
const XSTATE_STOP = 'xstate.stop';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { AgentModel } from '../models/model-factory.ts';
import type { McpHeaderResolver } from '../tools/mcp-connection.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { RunOutcome } from '../domain/run-records.ts';
import type { RunTelemetry } from '../telemetry/run-telemetry.ts';

/** How a run records its progress; bound to the run's tenant (and fenced by its owner) by whoever starts it. */
export interface RunPersistence {
  /** `traceId`: the run's trace, recorded with it (null when tracing is off). */
  markRunning(runId: number, at: Date, traceId: string | null): Promise<void>;
  finish(runId: number, outcome: RunOutcome, at: Date): Promise<boolean>;
  markEnded(runId: number): Promise<void>;
}

/**
 * The live objects a run works with, made by the process that executes it — at its start, or
 * when it restores the run from a checkpoint. None of them is ever in a machine's context: the
 * context is plain data that any process can persist and restore; these are found through the
 * run's own actor system (`resourcesOf(system)`), so an actor only ever reaches its own run's.
 */
export interface RunResources {
  writer: RunEventWriter;
  persistence: RunPersistence;
  telemetry: RunTelemetry;
  /** Each agent's model (its row's settings with the agent's llm_config applied), by agent id. */
  models: ReadonlyMap<string, AgentModel>;
  /** Resolves an MCP server's header values when the run connects (env and tenant secrets). */
  mcpHeaders: McpHeaderResolver;
  /** The outbound address policy MCP connections and http_request obey. */
  outbound?: OutboundPolicy;
  /**
   * The text each agent's model call in flight has streamed so far (by agent id, updated per
   * batch): what a cancelled agent keeps as its partial output. In memory only — a restored
   * run restarts its calls in flight.
   */
  streamedText: Map<string, string>;
  /** Reports what cannot go into the run's events (a connection that failed to close after the end). */
  warn(message: string): void;
  /** A worker's call now waits for a human: the executing process watches for the run to wait for nothing else (run-parking.ts). */
  onHumanRequest?(): void;
}

/** The address of a run's resources in its actor system. */
export const RESOURCES_SYSTEM_ID = 'run-resources';

type ResourcesSnapshot = {
  status: 'active' | 'stopped';
  output: undefined;
  error: undefined;
  /** Shown by runs/inspect as the node's kind. */
  input: { kind: 'run_resources' };
  resources: RunResources | null;
};

/**
 * The logic of the actor that holds a run's resources: a new run hands them over as this
 * actor's input; a run restored from a checkpoint gets `restored` (see runMachineRestoredWith).
 * Its persisted snapshot carries none of them (they are this process's), so a checkpoint of the
 * run's tree is data only while every actor of the restored tree still finds what it needs at
 * the same address.
 */
export function resourcesLogic(restored: RunResources | null): ActorLogic<ResourcesSnapshot, EventObject, RunResources | undefined> {
  const snapshot = (resources: RunResources | null): ResourcesSnapshot => ({
    status: 'active', output: undefined, error: undefined, input: { kind: 'run_resources' }, resources,
  });
  return {
    // Stopped with its run (XState's stop event), like every other actor of it.
    transition: (current, event) => (event.type === XSTATE_STOP ? { ...current, status: 'stopped' } : current),
    getInitialSnapshot: (_, input) => snapshot(input ?? restored),
    restoreSnapshot: () => snapshot(restored),
    getPersistedSnapshot: ({ resources: _live, ...rest }): Snapshot<unknown> => rest,
  };
}

/** The resources of the run whose system this is; throws when the run was made without them (a programming error). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any run's system
export function resourcesOf(system: ActorSystem<any>): RunResources {
  const snapshot = system.get(RESOURCES_SYSTEM_ID)?.getSnapshot() as ResourcesSnapshot | undefined;
  if (!snapshot?.resources) throw new Error('this actor system has no run resources: give a new run its resources as input, a restored one runMachineRestoredWith(resources)');
  return snapshot.resources;
}
