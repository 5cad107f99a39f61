import test from 'ava';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, uniqueName, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { serve, type TestServer } from '../helpers/http-client.ts';
import { collectUntilClose, eventFrames } from '../helpers/sse-client.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';
import { composeService, type Service } from '../../src/compose.ts';

const API = '/api/executor/v1';

interface Frame { id: string; event: string; data: any }

/** Follows a run's SSE stream to its end (the server ends it after `event: close`). */
async function readStream(url: string, runId: number): Promise<Frame[]> {
  const stream = await collectUntilClose(`${url}${API}/runs/stream?id=${runId}`, { method: 'GET' });
  if (stream.status !== 200) throw new Error(`stream ${runId}: HTTP ${stream.status}`);
  if (stream.frames.at(-1)?.event !== 'close') throw new Error(`stream ${runId} ended without close`);
  return eventFrames(stream.frames).map((f) => ({ id: f.id!, event: f.event, data: JSON.parse(f.data) }));
}

/**
 * Many concurrent runs of one hierarchy: every event stays in its own run, sequences are whole,
 * cancelling some leaves the others as they would be alone, and nothing is left behind.
 */
export function runIsolationSuite(backend: Backend, concurrency: number): void {
  let db: TestDatabase;
  let service: Service;
  let server: TestServer;
  let hierarchyId: string;

  test.before(async () => {
    db = await createTestDatabase(backend);
    service = composeService(db.store, { sseHeartbeatMs: 1000 });
    server = await serve(service.app);
    const model = await server.post(`${API}/models/create`, {
      name: uniqueName('jittery'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 1, jitter_ms: 6, reply_tokens: 12 },
    });
    const base = sampleHierarchyInput({ name: uniqueName('iso'), execution_mode: 'parallel', enable_context_sharing: true });
    const withModel = (a: any) => ({ ...a, llm_config: { model_id: model.body.data.name } });
    const hierarchy = await server.post(`${API}/hierarchies/create`, {
      ...base,
      global_supervisor_agent: withModel(base.global_supervisor_agent),
      teams: base.teams.map((t) => ({ ...t, team_supervisor_agent: withModel(t.team_supervisor_agent), workers: t.workers.map(withModel) })),
    });
    if (hierarchy.status !== 200) throw new Error(JSON.stringify(hierarchy.body));
    hierarchyId = hierarchy.body.data.id;
  });
  test.after.always(async () => {
    await service?.stop(5000);
    await server?.close();
    await db?.drop();
  });

  const startRun = async (task: string): Promise<number> => {
    const res = await server.post(`${API}/runs/start`, { hierarchy_id: hierarchyId, task });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    return res.body.data.id;
  };

  test.serial(`${backend}: ${concurrency} concurrent runs never see each other's events`, async (t) => {
    const markers = Array.from({ length: concurrency }, () => `MARK-${randomUUID()}`);
    const runIds = await Promise.all(markers.map((m) => startRun(`Investigate ${m} thoroughly`)));
    const streams = await Promise.all(runIds.map((id) => readStream(server.url, id)));
    const markerPattern = /MARK-[0-9a-f-]{36}/g;
    streams.forEach((frames, i) => {
      const runId = runIds[i]!;
      t.true(frames.length > 20, `run ${runId} streamed only ${frames.length} events`);
      t.deepEqual(frames.map((f) => f.data.sequence), frames.map((_, n) => n + 1), `run ${runId}: sequences not 1..n`);
      t.deepEqual(frames.map((f) => f.id), frames.map((_, n) => String(n + 1)));
      t.true(frames.every((f) => f.data.run_id === runId), `run ${runId} got a foreign run_id`);
      const foreign = frames.flatMap((f) => (JSON.stringify(f.data).match(markerPattern) ?? []).filter((m) => m !== markers[i]));
      t.deepEqual(foreign, [], `run ${runId} carries other runs' markers`);
      t.true(frames.filter((f) => JSON.stringify(f.data).includes(markers[i]!)).length >= 5);
      t.is(frames[0]!.event, 'lifecycle.started');
      t.is(frames.at(-1)!.event, 'lifecycle.completed');
    });
    for (const id of runIds) {
      const run = await server.post(`${API}/runs/get`, { id });
      t.is(run.body.data.status, 'completed');
    }
    t.is(service.runtime.activeCount, 0);
    t.is(service.eventLog.subscriberCount(), 0);
  });

  test.serial(`${backend}: cancelling some runs leaves the others as they would be alone`, async (t) => {
    const tasks = Array.from({ length: Math.max(10, concurrency / 2) }, (_, i) => `Cancel-study ${i} MARK-${randomUUID()}`);
    const runIds = await Promise.all(tasks.map(startRun));
    const doomed = new Set(runIds.filter((_, i) => i % 3 === 0));
    const streams = runIds.map((id) => readStream(server.url, id));
    // Cancel each doomed run once it is visibly working (its first model token is stored).
    await Promise.all([...doomed].map(async (id) => {
      await new Promise<void>((resolve) => {
        const s = service.eventLog.subscribe(id, 0, {
          onEvents: (events) => {
            if (events.some((e) => e.category === 'llm')) {
              s.close();
              resolve();
            }
          },
        });
      });
      const res = await server.post(`${API}/runs/cancel`, { id });
      t.is(res.status, 200, JSON.stringify(res.body));
      t.is(res.body.data.status, 'cancelled');
    }));
    const frames = await Promise.all(streams);
    const results = await Promise.all(runIds.map((id) => server.post(`${API}/runs/get`, { id })));
    runIds.forEach((id, i) => {
      const last = frames[i]!.at(-1)!;
      if (doomed.has(id)) {
        t.is(results[i]!.body.data.status, 'cancelled');
        t.is(last.event, 'lifecycle.cancelled');
      } else {
        t.is(results[i]!.body.data.status, 'completed', `run ${id} did not complete`);
        t.is(last.event, 'lifecycle.completed');
      }
      t.deepEqual(frames[i]!.map((f) => f.data.sequence), frames[i]!.map((_, n) => n + 1));
    });
    // A survivor's result equals the same task run alone.
    const survivorIndex = runIds.findIndex((id) => !doomed.has(id));
    const aloneId = await startRun(tasks[survivorIndex]!);
    const aloneFrames = await readStream(server.url, aloneId);
    const alone = await server.post(`${API}/runs/get`, { id: aloneId });
    t.is(alone.body.data.result, results[survivorIndex]!.body.data.result);
    const shape = (fs: Frame[]) => fs.map((f) => `${f.event}@${f.data.source?.agent_id ?? '-'}`).sort();
    t.deepEqual(shape(aloneFrames), shape(frames[survivorIndex]!));
    t.is(service.runtime.activeCount, 0);
  });
}
