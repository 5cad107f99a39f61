import { RunRuntime } from './host/run-runtime.ts';
import type { ComposeOptions } from './compose-options.ts';
import type { EventLog } from './events/event-log.ts';
import type { Logger } from './logging/logger.ts';
import type { OutboundPolicy } from './outbound/outbound-policy.ts';
import type { RunCheckpoints } from './domain/run-checkpoints.ts';
import type { SqlRunOwnership } from './store/run-ownership-store.ts';
import type { SqlRunWaiting } from './store/run-waiting-store.ts';
import type { CadreMetrics } from './telemetry/metrics.ts';
import { ProcessTelemetry } from './telemetry/process-telemetry.ts';

/** What this process's runtime is wired to; `processId` is read late (the host is made after the runtime). */
export interface RunRuntimeWiring {
  eventLog: EventLog;
  logger: Logger;
  metrics: CadreMetrics;
  outbound: OutboundPolicy;
  ownership: SqlRunOwnership;
  waiting: SqlRunWaiting;
  checkpoints: RunCheckpoints;
  processId: () => string;
}

export const DEFAULT_MAX_QUEUED_RUNS = 1000;

/**
 * The runtime that executes this process's runs, every write of a run's state fenced by this
 * process still owning it: its start and end, its checkpoints (durable runs), its parking (human
 * in the loop).
 */
export function makeRunRuntime(wiring: RunRuntimeWiring, options: ComposeOptions): RunRuntime {
  const { eventLog, logger, metrics, ownership, waiting, checkpoints, processId } = wiring;
  return new RunRuntime({
    eventLog,
    logger,
    maxConcurrentRuns: options.maxConcurrentRuns,
    maxQueuedRuns: options.maxQueuedRuns ?? DEFAULT_MAX_QUEUED_RUNS,
    telemetry: new ProcessTelemetry(metrics, options.tracer ?? null),
    // Every write of a run's end is conditional on this process still owning it (fencing).
    persistenceFor: () => ({
      markRunning: async (id, at, traceId) => { await ownership.markRunning(id, processId(), at, traceId); },
      finish: (id, outcome, at) => ownership.finishOwned(id, processId(), outcome, at),
      markEnded: (id) => eventLog.markEnded(id),
    }),
    stillOwned: (id) => ownership.owns(id, processId()),
    outbound: wiring.outbound,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 0,
    // Durable runs: each settled step's checkpoint, fenced by this process's ownership.
    saveCheckpoint: async (id, sequence, snapshot) => {
      const started = performance.now();
      if (!(await checkpoints.save(id, processId(), sequence, snapshot, new Date()))) {
        // Saved in the background, a step's checkpoint can reach the store after this process
        // recorded the run's end (which drops its checkpoint; the fenced save then selects
        // nothing): an ended run needs none, and that is no loss of ownership.
        if (await ownership.endedOwned(id, processId())) return;
        throw new Error('this process no longer owns the run');
      }
      metrics.checkpointSeconds.observe((performance.now() - started) / 1000);
      metrics.checkpointBytes.observe(Buffer.byteLength(snapshot));
    },
    // Human in the loop: a run waiting for nothing but people becomes a checkpoint (waiting_input, unowned).
    parking: {
      park: (id, pending, at) => waiting.park(id, processId(), pending, at),
      handOff: (id) => ownership.handOff(id, processId()),
    },
  });
}
