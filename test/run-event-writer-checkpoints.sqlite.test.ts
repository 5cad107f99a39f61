import test from 'ava';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import type { EventDraft } from '../src/events/run-event.ts';

const fixture = useSqliteEventLog();
const token = (content: string): EventDraft => ({ source: null, category: 'llm', action: 'stream', data: { content } });
const step = (n: number): EventDraft => ({ source: null, category: 'dispatch', action: 'worker_completed', data: { n } });

/** A writer whose checkpoints are the step count at the time they are taken. */
function checkpointed(runId: number, intervalMs: number) {
  const writer = new RunEventWriter(runId, fixture.log, (err) => { throw err; });
  let steps = 0;
  const saved: Array<{ sequence: number; snapshot: string }> = [];
  const stored = Promise.withResolvers<void>();
  writer.checkpointWith({
    take: () => JSON.stringify({ steps }),
    save: async (sequence, snapshot) => {
      saved.push({ sequence, snapshot });
      stored.resolve();
    },
  }, intervalMs);
  return { writer, saved, stored: stored.promise, settle: (n: number) => { steps = n; writer.pushBatch([step(n)]); } };
}

test('tokens never ask for a checkpoint; a settled step does, stored after the batch it covers', async (t) => {
  await fixture.ready;
  const run = checkpointed(7001, 0);
  run.writer.pushBatch([token('a'), token('b')]);
  await run.writer.drain();
  t.deepEqual(run.saved, []);
  run.settle(1);
  await run.stored;
  t.deepEqual(run.saved, [{ sequence: 3, snapshot: '{"steps":1}' }]);
  t.is((await fixture.log.last(7001))?.sequence, 3, 'the events it covers were stored first');
});

test('steps settling within the interval share one checkpoint, of the state at its end', async (t) => {
  await fixture.ready;
  // An interval far longer than five appends take even on a loaded machine.
  const run = checkpointed(7002, 4000);
  run.settle(1);
  await run.stored;
  // Each step in a tick of its own, each stored before the next: without the interval, five checkpoints.
  for (let n = 2; n <= 6; n++) {
    run.settle(n);
    await run.writer.drain();
  }
  t.is(run.saved.length, 1, 'the burst waits for the interval');
  if (run.saved.length < 2) await run.writer.nextCheckpointStored(new Promise((resolve) => { setTimeout(resolve, 10_000); }));
  // Five steps, one checkpoint: of the last of them, covering every event up to it.
  t.deepEqual(run.saved.slice(1), [{ sequence: 6, snapshot: '{"steps":6}' }]);
  run.writer.close();
});
