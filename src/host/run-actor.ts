import { createActor, type Actor } from 'xstate';
import { runMachine, runMachineRestoredWith } from '../actors/run-machine.ts';
import type { RunResources } from '../actors/run-resources.ts';
import { runSystemId } from '../actors/run-plan.ts';
import { markInterruptedWork } from '../actors/resume-preparation.ts';
import { checkpointSerialiser } from '../actors/snapshot-serialiser.ts';
import { RunEventWriter } from '../events/run-event-writer.ts';
import { noTelemetry } from '../telemetry/run-telemetry.ts';
import type { RunLaunch, RunRestore, RuntimeDeps } from './run-launch.ts';

/** What the runtime hears of a run's actor besides its end. */
export interface RunActorHooks {
  /** An append found the run owned by another process: it must stop here without writing. */
  onLost(): void;
  /** A call of the run asked for a human. */
  onHumanRequest(): void;
  /** A checkpoint of the run was just taken. */
  onCheckpointTaken(): void;
}

/**
 * A run's actor with its live resources, made by the process that executes it: its event writer
 * (fenced by ownership), its resources (never in a context), the machine — new, or restored from
 * the checkpoint with its calls in flight marked — the `lifecycle.resumed` that opens a resumed
 * run's events, and its checkpoints. Not started: the runtime subscribes to it first.
 */
export function createRunActor(
  deps: RuntimeDeps, launch: RunLaunch, restore: RunRestore | null, cancelledBeforeStart: boolean, hooks: RunActorHooks,
): { actor: Actor<typeof runMachine>; writer: RunEventWriter } {
  const { plan } = launch;
  const { logger, stillOwned, saveCheckpoint } = deps;
  const fence = stillOwned && { stillOwned: () => stillOwned(plan.runId), onLost: hooks.onLost };
  const writer = new RunEventWriter(plan.runId, deps.eventLog, (err, lost) => {
    logger.error('events of a run could not be stored', { run_id: plan.runId, lost, error: err.message });
  }, restore?.firstSequence ?? 1, fence || undefined);
  const resources: RunResources = {
    writer,
    persistence: deps.persistenceFor(plan.tenantId),
    telemetry: (deps.telemetry ?? noTelemetry).forRun(plan),
    models: launch.models,
    mcpHeaders: launch.mcpHeaders,
    streamedText: new Map(),
    ...(deps.outbound && { outbound: deps.outbound }),
    warn: (message) => logger.warn(message, { run_id: plan.runId }),
    onHumanRequest: hooks.onHumanRequest,
  };
  const systemId = runSystemId(plan.runId);
  const work = restore?.snapshot ? markInterruptedWork(restore.snapshot) : null;
  const actor = restore?.snapshot
    ? createActor(runMachineRestoredWith(resources), { systemId, snapshot: restore.snapshot, input: { plan, resources } })
    // Started anew after a loss before its first checkpoint: its start is in the log already (if it got that far).
    : createActor(runMachine, { systemId, input: { plan, resources, cancelledBeforeStart, announced: (restore?.firstSequence ?? 1) > 1 } });
  if (restore && restore.firstSequence > 1) {
    writer.push({
      source: null, category: 'lifecycle', action: 'resumed',
      data: { ...restore.resumed, ...(work && { restarted_turns: work.restartedTurns, interrupted_tool_calls: work.interruptedToolCalls }) },
    });
  }
  if (saveCheckpoint) {
    const serialise = checkpointSerialiser();
    writer.checkpointWith({
      take: () => {
        const snapshot = serialise(actor);
        hooks.onCheckpointTaken();
        return snapshot;
      },
      save: (sequence, snapshot) => saveCheckpoint(plan.runId, sequence, snapshot),
    }, deps.checkpointIntervalMs ?? 0);
  }
  return { actor, writer };
}
