import type { Snapshot } from 'xstate';
import type { RunPersistence } from '../actors/run-machine.ts';
import type { RunPlan } from '../actors/run-plan.ts';
import type { EventLog } from '../events/event-log.ts';
import type { AgentModel } from '../models/model-factory.ts';
import type { McpHeaderResolver } from '../tools/mcp-connection.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { Logger } from '../logging/logger.ts';
import type { Telemetry } from '../telemetry/run-telemetry.ts';
import type { DeliveredResponse, ParkingDeps } from './run-parking.ts';

export interface RuntimeDeps {
  eventLog: EventLog;
  /** How runs of one tenant record their progress. */
  persistenceFor(tenantId: string): RunPersistence;
  logger: Logger;
  /** Runs executing at once; further runs wait (status `pending`) in start order. Default 100. */
  maxConcurrentRuns?: number;
  /** Runs that may wait for a slot at once (MAX_QUEUED_RUNS); see hasRoomFor. Default 1000. */
  maxQueuedRuns?: number;
  /** Metrics and traces of each run (none when absent). */
  telemetry?: Telemetry;
  /**
   * Asked when one of a run's appends fails: does this process still own it? When not, the run
   * is stopped here without writing anything more (another process ended it). Absent: always.
   */
  stillOwned?(runId: number): Promise<boolean>;
  /** Stores a run's checkpoint (fenced by this process's ownership: rejects when it no longer owns the run). Absent: runs are not checkpointed. */
  saveCheckpoint?(runId: number, sequence: number, snapshot: string): Promise<void>;
  /** At most one checkpoint of a run per this interval: a burst of steps is one checkpoint, of its end (default 0). */
  checkpointIntervalMs?: number;
  /** The outbound address policy of this process (MCP connections, http_request). */
  outbound?: OutboundPolicy;
  /** Human in the loop: how a run waiting for nothing but people is parked (absent: it waits here, live). */
  parking?: ParkingDeps;
}

/** A run as this process executes it: its plan (data) and the live parts made for it here. */
export interface RunLaunch {
  plan: RunPlan;
  /** Each agent's model, by agent id. */
  models: ReadonlyMap<string, AgentModel>;
  mcpHeaders: McpHeaderResolver;
}

/** How a run lost by another process (or handed on by it) continues here. */
export interface RunRestore {
  /** Its last checkpoint (a parsed persisted snapshot); null: it is started anew (it had none yet). */
  snapshot: Snapshot<unknown> | null;
  /** The sequence after the last event stored of it: its events continue from there, with no gap. */
  firstSequence: number;
  /** What `lifecycle.resumed` says (the resume's number, from which process, the checkpoint's sequence). */
  resumed: Record<string, unknown>;
  /** A human's answer to deliver once it is restored (runs/respond). */
  humanResponse?: DeliveredResponse;
}

