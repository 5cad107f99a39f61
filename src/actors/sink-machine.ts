import { setup } from 'xstate';
import type { RunEventWriter } from '../events/run-event-writer.ts';
import type { SinkEmitEvent } from './agent-messages.ts';

/**
 * A run's event sink, registered in the run's actor system as `sink`: agents reach it by that
 * address, so only agents of this run can. It hands each draft to the run's writer, which
 * sequences, stamps and batches them.
 */
export const sinkMachine = setup({
  types: {
    context: {} as { kind: 'sink'; writer: RunEventWriter; accepted: number },
    input: {} as { writer: RunEventWriter },
    events: {} as SinkEmitEvent,
  },
  actions: {
    write: ({ context, event }) => {
      if (context.writer.push(event.draft)) context.accepted++;
    },
  },
}).createMachine({
  id: 'sink',
  context: ({ input }) => ({ kind: 'sink', writer: input.writer, accepted: 0 }),
  on: { EMIT: { actions: 'write' } },
});
