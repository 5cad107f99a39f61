import { defineEntity, p } from '@mikro-orm/core';

/**
 * One stored event of a run (the embedded event log). `payload` is the event JSON exactly as
 * the run's sink serialised it, so history is served without re-serialising. Not tenant
 * filtered: the event log is reached only through a run the caller's tenant already owns.
 */
export const ExecutionEventSchema = defineEntity({
  name: 'ExecutionEvent',
  tableName: 'execution_event',
  uniques: [{ properties: ['runId', 'sequence'], name: 'execution_event_run_sequence_unique' }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    runId: p.bigint('number'),
    sequence: p.integer(),
    category: p.string().length(16),
    action: p.string().length(32),
    payload: p.text(),
    createdAt: p.datetime().length(3).onCreate(() => new Date()),
  },
});

export class ExecutionEvent extends ExecutionEventSchema.class {}
ExecutionEventSchema.setClass(ExecutionEvent);
