import test from 'ava';
import { composeService } from '../src/compose.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import { createTestDatabase } from './helpers/backends.ts';
import { serve } from './helpers/http-client.ts';
import { collectUntilClose, eventFrames } from './helpers/sse-client.ts';

// A run's owner (here: no process of this service) records its end just before it appends the
// terminal event. A stream opened in between must still end with that event, not close early.
test('a stream of a run recorded as ended whose terminal event is still on its way waits for it', async (t) => {
  const db = await createTestDatabase('sqlite');
  t.teardown(() => db.drop());
  const service = composeService(db.store, { sseHeartbeatMs: 50 });
  const server = await serve(service.app);
  t.teardown(async () => {
    await server.close();
    await service.stop(5000);
  });
  const repos = db.store.forTenant(DEFAULT_TENANT);
  const run = await repos.runs.create({ hierarchyId: 'h-elsewhere', task: 'done elsewhere', topologySnapshot: {} });
  const writer = new RunEventWriter(run.id, service.eventLog, (err) => t.fail(err.message));
  writer.push({ source: null, category: 'lifecycle', action: 'started', data: { task: 'done elsewhere' } });
  writer.push({ source: null, category: 'llm', action: 'stream', data: { content: 'partial' } });
  await writer.drain();
  await repos.runs.finish(run.id, { status: 'completed', result: 'ok' }, new Date());

  const stream = collectUntilClose(`${server.url}${API_PREFIX}/runs/stream`, { method: 'POST', body: { id: run.id } });
  // The owner's latency, simulated: its terminal event lands a moment after the stream was opened.
  await new Promise((resolve) => setTimeout(resolve, 300));
  writer.push({ source: null, category: 'lifecycle', action: 'completed', data: { result: 'ok', statistics: {} } });
  writer.close();
  await writer.drain();

  const frames = eventFrames((await stream).frames);
  t.deepEqual(frames.map((f) => f.event), ['lifecycle.started', 'llm.stream', 'lifecycle.completed']);
  t.is((await stream).frames.at(-1)?.event, 'close');
});
