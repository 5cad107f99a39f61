import test from 'ava';
import { createTestDatabase, type TestDatabase } from './helpers/backends.ts';
import { composeService, type Service } from '../src/compose.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import type { EventDraft } from '../src/events/run-event.ts';

let db: TestDatabase;
let service: Service;
test.before(async () => {
  db = await createTestDatabase('sqlite');
  service = composeService(db.store);
});
test.after.always(async () => {
  await service?.stop(1000);
  await db?.drop();
});

/** Writes events for a run as its sink would have, before its process "died". */
async function writeEvents(runId: number, drafts: EventDraft[]): Promise<void> {
  const writer = new RunEventWriter(runId, service.eventLog, (err) => { throw err; });
  for (const draft of drafts) writer.push(draft);
  await writer.drain();
}

const token = (content: string): EventDraft => ({ source: null, category: 'llm', action: 'stream', data: { content } });

test('start-up recovery ends every run a stopped process left: interrupted, or the end it had streamed', async (t) => {
  const a = db.store.forTenant('tenant-a');
  const b = db.store.forTenant('tenant-b');
  const midway = await a.runs.create({ hierarchyId: 'h', task: 'midway', topologySnapshot: {} });
  await a.runs.markRunning(midway.id, new Date());
  await writeEvents(midway.id, [
    { source: null, category: 'lifecycle', action: 'started', data: { task: 'midway' } }, token('a'), token('b'),
  ]);
  const neverStarted = await b.runs.create({ hierarchyId: 'h', task: 'queued', topologySnapshot: {} });
  const streamedEnd = await b.runs.create({ hierarchyId: 'h', task: 'ended', topologySnapshot: {} });
  await b.runs.markRunning(streamedEnd.id, new Date());
  await writeEvents(streamedEnd.id, [
    { source: null, category: 'lifecycle', action: 'started', data: { task: 'ended' } },
    { source: null, category: 'lifecycle', action: 'completed', data: { result: 'the answer', statistics: { event_count: 2 } } },
  ]);

  t.deepEqual(await service.recover(), { interrupted: 2, recorded: 1, ownerLost: 0, resumed: 0 });

  t.like(await db.store.forTenant('tenant-a').runs.find(midway.id), { status: 'failed', error: 'interrupted' });
  t.like(await db.store.forTenant('tenant-b').runs.find(neverStarted.id), { status: 'failed', error: 'interrupted' });
  t.like(await db.store.forTenant('tenant-b').runs.find(streamedEnd.id), {
    status: 'completed', result: 'the answer', statistics: { event_count: 2 },
  });
  // The interrupted runs' logs end with the terminal event they never wrote, right after their last one.
  const midwayEvents = (await service.eventLog.read(midway.id)).map((e) => [e.sequence, `${e.category}.${e.action}`]);
  t.deepEqual(midwayEvents, [[1, 'lifecycle.started'], [2, 'llm.stream'], [3, 'llm.stream'], [4, 'lifecycle.failed']]);
  t.deepEqual((await service.eventLog.read(neverStarted.id)).map((e) => [e.sequence, e.action]), [[1, 'failed']]);
  t.is((await service.eventLog.read(streamedEnd.id)).length, 2, 'a streamed end is not written twice');
  // Nothing is left to recover.
  t.deepEqual(await service.recover(), { interrupted: 0, recorded: 0, ownerLost: 0, resumed: 0 });
});
