import { setup } from 'xstate';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { SinkEmitEvent } from './agent-messages.ts';

/**
 * A run's event sink, registered in the run's actor system as `sink`: agents reach it by that
 * address, so only agents of this run can. It hands each batch of drafts to the run's writer,
 * which sequences and stamps them in order and appends them with the rest of the tick's.
 */
export const sinkMachine = setup({
  types: {
    context: {} as { kind: 'sink'; writer: RunEventWriter; accepted: number },
    input: {} as { writer: RunEventWriter },
    events: {} as SinkEmitEvent,
  },
  actions: {
    write: ({ context, event }) => {
      context.accepted += context.writer.pushBatch(event.drafts);
    },
  },
}).createMachine({
  id: 'sink',
  context: ({ input }) => ({ kind: 'sink', writer: input.writer, accepted: 0 }),
  on: { EMIT: { actions: 'write' } },
});
