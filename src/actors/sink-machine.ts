import { fromCallback } from 'xstate';
import type { SinkEmitEvent } from './agent-messages.ts';
import { resourcesOf } from './run-resources.ts';

/**
 * A run's event sink, registered in the run's actor system as `sink`: agents reach it by that
 * address, so only agents of this run can. It hands each batch of drafts to the run's writer
 * (one of the run's resources, found once when the sink starts), which sequences and stamps
 * them in order and appends them with the rest of the tick's.
 *
 * A callback actor, not a state machine: it has no states, and every token of a run passes
 * through it, so a machine's transition machinery per EMIT was pure cost (XState was ~17% of
 * the CPU of 100 concurrent runs). `kind` in its input names it in the inspected actor tree;
 * its input is data only, so it is restored from a checkpoint like every other actor.
 */
export const sinkActor = fromCallback<SinkEmitEvent, { kind: 'sink' }>(({ receive, system }) => {
  const { writer } = resourcesOf(system);
  receive((event) => {
    writer.pushBatch(event.drafts);
  });
});
