import { fromCallback } from 'xstate';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { SinkEmitEvent } from './agent-messages.ts';

/**
 * A run's event sink, registered in the run's actor system as `sink`: agents reach it by that
 * address, so only agents of this run can. It hands each batch of drafts to the run's writer,
 * which sequences and stamps them in order and appends them with the rest of the tick's.
 *
 * A callback actor, not a state machine: it has no states, and every token of a run passes
 * through it, so a machine's transition machinery per EMIT was pure cost (XState was ~17% of
 * the CPU of 100 concurrent runs). `kind` in its input names it in the inspected actor tree.
 */
export const sinkActor = fromCallback<SinkEmitEvent, { writer: RunEventWriter; kind: 'sink' }>(({ input, receive }) => {
  receive((event) => {
    input.writer.pushBatch(event.drafts);
  });
});
