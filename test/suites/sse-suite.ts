import test, { type ExecutionContext } from 'ava';
import { composeService, type ComposeOptions, type Service } from '../../src/compose.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { createTestDatabase, uniqueName, type Backend, type TestDatabase } from '../helpers/backends.ts';
import { serve, type TestServer } from '../helpers/http-client.ts';
import { sampleHierarchyInput } from '../helpers/fixtures.ts';
import { Api, uniqueTenant } from '../helpers/api-harness.ts';
import { collectUntilClose, eventFrames, openSse, readEventsThenAbort, type SseFrame, type SseOpenOptions, type SseStream } from '../helpers/sse-client.ts';

export interface RunHarness {
  service: Service;
  /** The test database (its store) the service runs on. */
  db: TestDatabase;
  server: TestServer;
  api(t: ExecutionContext, tenant?: string): Api;
  /** Registers a simulated model (its pace) and a two-team hierarchy using it; returns the hierarchy id. */
  hierarchy(api: Api, tokenDelayMs: number): Promise<string>;
  /** Starts a run; returns its id. */
  start(api: Api, hierarchyId: string, task?: string): Promise<number>;
  /** Opens runs/stream (POST {id} unless `get`), waits for the server to end it. */
  stream(runId: number, options?: { get?: boolean; headers?: Record<string, string> }): Promise<SseStream>;
  streamOptions(runId: number, options?: { get?: boolean; headers?: Record<string, string> }): [string, SseOpenOptions];
}

/** The composed service (runs, SSE) on one database and an ephemeral server, for one test file. */
export function useRunHarness(backend: Backend, compose: ComposeOptions = {}): () => RunHarness {
  let db: TestDatabase | undefined;
  let service: Service | undefined;
  let server: TestServer | undefined;
  let harness: RunHarness | undefined;
  test.before(async () => {
    db = await createTestDatabase(backend);
    service = composeService(db.store, { sseHeartbeatMs: 50, ...compose });
    // Registers the process (its lease) and, with Redis, starts taking runs from the queue.
    await service.recover();
    server = await serve(service.app);
    const url = server.url;
    const streamOptions: RunHarness['streamOptions'] = (runId, o = {}) => o.get
      ? [`${url}${API_PREFIX}/runs/stream?id=${runId}`, { method: 'GET', ...(o.headers && { headers: o.headers }) }]
      : [`${url}${API_PREFIX}/runs/stream`, { method: 'POST', body: { id: runId }, ...(o.headers && { headers: o.headers }) }];
    harness = {
      service, server, streamOptions, db,
      api: (t, tenant) => new Api(t, url, tenant),
      async hierarchy(api, tokenDelayMs) {
        const model = uniqueName('sim');
        await api.ok('models/create', {
          name: model, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: tokenDelayMs, reply_tokens: 10, jitter_ms: 0 },
        });
        const llm_config = { model_id: model };
        const h = sampleHierarchyInput({ name: uniqueName('h') });
        const created = await api.ok('hierarchies/create', {
          ...h,
          global_supervisor_agent: { ...h.global_supervisor_agent, llm_config },
          teams: h.teams.map((team) => ({
            ...team,
            team_supervisor_agent: { ...team.team_supervisor_agent, llm_config },
            workers: team.workers.map((w) => ({ ...w, llm_config })),
          })),
        });
        return created.id as string;
      },
      async start(api, hierarchyId, task = 'Study the market') {
        const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task });
        return run.id as number;
      },
      stream: (runId, o) => collectUntilClose(...streamOptions(runId, o)),
    };
  });
  test.after.always(async () => {
    await service?.stop(5000);
    await server?.close();
    await db?.drop();
  });
  return () => {
    if (!harness) throw new Error('the run harness did not start');
    return harness;
  };
}

/** Sequences carried by event frames, checking each frame's id is its data's sequence. */
export function sequencesOf(t: ExecutionContext, frames: SseFrame[]): number[] {
  return eventFrames(frames).map((f) => {
    const seq = JSON.parse(f.data).sequence as number;
    t.is(f.id, String(seq));
    return seq;
  });
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The stream ended as the contract says: the terminal event, then `event: close`, then the end. */
function assertClosedAfter(t: ExecutionContext, stream: SseStream, terminal = 'lifecycle.completed'): void {
  t.true(stream.ended);
  const { frames } = stream;
  t.is(frames.at(-1)?.event, 'close');
  t.is(frames.at(-2)?.event, terminal);
}

/** SSE contract of runs/stream, run against every database backend (and the Redis event log: `label`, `compose`). */
export function sseSuite(backend: Backend, variant: { label: string; compose: ComposeOptions } = { label: backend, compose: {} }): void {
  const harness = useRunHarness(backend, variant.compose);
  const b = variant.label;

  test(`${b}: frames carry id = sequence, event = category.action, the event JSON, then close`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const task = 'Compare three databases';
    const runId = await h.start(api, await h.hierarchy(api, 1), task);
    const stream = await h.stream(runId);
    t.is(stream.status, 200);
    t.regex(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    t.regex(stream.headers.get('cache-control') ?? '', /no-cache/);
    t.is(stream.frames[0]?.retry, 2000, 'the stream opens with a retry hint');
    assertClosedAfter(t, stream);

    const frames = eventFrames(stream.frames);
    const events = frames.map((f) => JSON.parse(f.data));
    t.true(events.length > 20);
    t.deepEqual(sequencesOf(t, frames), range(1, events.length));
    let lastTime = 0;
    frames.forEach((f, i) => {
      const e = events[i];
      t.is(e.run_id, runId);
      t.is(f.event, `${e.event.category}.${e.event.action}`);
      const time = Date.parse(e.timestamp);
      t.true(time >= lastTime, 'timestamps never go back');
      lastTime = time;
      if (e.source !== null) {
        t.is(typeof e.source.agent_id, 'string');
        t.true(['global_supervisor', 'team_supervisor', 'worker'].includes(e.source.agent_type));
        t.is(typeof e.source.agent_name, 'string');
        t.true(e.source.team_name === null || typeof e.source.team_name === 'string');
        t.is(e.source.team_name === null, e.source.agent_type === 'global_supervisor');
      }
    });
    t.like(events[0], { source: null, event: { category: 'lifecycle', action: 'started' }, data: { task } });
    const topology = events.findIndex((e) => e.event.category === 'system' && e.event.action === 'topology');
    t.true(topology >= 1 && topology <= 3, `topology early (at ${topology})`);
    t.deepEqual(events[topology].data.topology.teams.map((x: any) => x.name), ['Analysts', 'Writers']);

    const of = (name: string) => events.filter((e) => `${e.event.category}.${e.event.action}` === name);
    const streamed = of('llm.stream');
    t.true(streamed.every((e) => e.source !== null && typeof e.data.content === 'string'));
    t.deepEqual(new Set(streamed.map((e) => e.source.agent_name)), new Set(['Global Supervisor', 'Supervisor', 'Ada', 'Bob', 'Cy']));
    t.deepEqual(of('dispatch.team').map((e) => [e.data.team_name, e.source.agent_type, e.source.agent_name]), [
      ['Analysts', 'global_supervisor', 'Global Supervisor'], ['Writers', 'global_supervisor', 'Global Supervisor'],
    ]);
    t.deepEqual(of('dispatch.worker').map((e) => [e.data.team_name, e.data.worker_name, e.source.agent_type, e.source.team_name]), [
      ['Analysts', 'Ada', 'team_supervisor', 'Analysts'], ['Analysts', 'Bob', 'team_supervisor', 'Analysts'], ['Writers', 'Cy', 'team_supervisor', 'Writers'],
    ]);
    const last = events.at(-1);
    t.like(last, { source: null, event: { category: 'lifecycle', action: 'completed' } });
    t.true(typeof last.data.result === 'string' && last.data.result.length > 0);
    t.is(of('lifecycle.completed').length, 1);

    // The stored history is exactly what was streamed.
    const stored = await api.ok('runs/events', { id: runId, limit: 1000 });
    t.deepEqual(stored.events.map(({ id: _id, ...e }: any) => e), events);
  });

  test(`${b}: heartbeat comments on a run lasting longer than the heartbeat period`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 3));
    const began = Date.now();
    const stream = await h.stream(runId);
    t.true(Date.now() - began >= 100, 'the run lasted over 100 ms');
    assertClosedAfter(t, stream);
    t.true(stream.comments.length >= 1, `heartbeats: ${stream.comments.length}`);
    for (const c of stream.comments) {
      t.regex(c, /^heartbeat \S+$/);
      t.false(Number.isNaN(Date.parse(c.slice('heartbeat '.length))));
    }
  });

  test(`${b}: resume mid-run with Last-Event-ID (POST): no gap, no duplicate`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 5));
    const first = await readEventsThenAbort(...h.streamOptions(runId), 20);
    t.deepEqual(sequencesOf(t, first.events), range(1, 20));
    t.true(h.service.runtime.isLive('default', runId), 'the run is still going when the client drops');
    t.false(first.stream.frames.some((f) => f.event === 'close'));

    const second = await h.stream(runId, { headers: { 'Last-Event-ID': '20' } });
    assertClosedAfter(t, second);
    const rest = sequencesOf(t, second.frames);
    t.is(rest[0], 21);
    t.deepEqual([...sequencesOf(t, first.events), ...rest], range(1, rest.at(-1)!));
  });

  test(`${b}: resume with GET ?id= and Last-Event-ID, and with last_event_id in the query`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 5));
    const first = await readEventsThenAbort(...h.streamOptions(runId, { get: true }), 15);
    const lastId = first.events.at(-1)!.id!;
    t.is(lastId, '15');
    const second = await h.stream(runId, { get: true, headers: { 'Last-Event-ID': lastId } });
    assertClosedAfter(t, second);
    const union = [...sequencesOf(t, first.events), ...sequencesOf(t, second.frames)];
    t.deepEqual(union, range(1, union.length));

    // EventSource cannot set headers on its first request: the query field does the same.
    const [url] = h.streamOptions(runId, { get: true });
    const byQuery = await collectUntilClose(`${url}&last_event_id=${union.length - 5}`, { method: 'GET' });
    t.deepEqual(sequencesOf(t, byQuery.frames), range(union.length - 4, union.length));
    // The header wins over the body field.
    const [postUrl] = h.streamOptions(runId);
    const both = await collectUntilClose(postUrl, { body: { id: runId, last_event_id: '1' }, headers: { 'Last-Event-ID': String(union.length - 1) } });
    t.deepEqual(sequencesOf(t, both.frames), [union.length]);
  });

  test(`${b}: a late subscriber gets the whole history then close (POST and GET)`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 1));
    const live = await h.stream(runId);
    const n = sequencesOf(t, live.frames).length;
    for (const get of [false, true]) {
      const late = await h.stream(runId, { get });
      assertClosedAfter(t, late);
      t.deepEqual(sequencesOf(t, late.frames), range(1, n));
      t.deepEqual(eventFrames(late.frames), eventFrames(live.frames));
    }
    await h.service.runtime.whenDone(runId);
    const afterEnd = await h.stream(runId, { get: true });
    t.deepEqual(eventFrames(afterEnd.frames), eventFrames(live.frames));
    // Resuming after the last event of an ended run: nothing to replay, just close.
    const caughtUp = await h.stream(runId, { headers: { 'Last-Event-ID': String(n) } });
    t.deepEqual(caughtUp.frames.map((f) => f.event), ['message', 'close']);
  });

  test(`${b}: two subscribers at once receive identical frames`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 2));
    const [a, c] = await Promise.all([h.stream(runId), h.stream(runId, { get: true })]);
    assertClosedAfter(t, a);
    assertClosedAfter(t, c);
    t.true(eventFrames(a.frames).length > 20);
    t.deepEqual(a.frames, c.frames);
  });

  test(`${b}: unknown run, another tenant's run, malformed Last-Event-ID`, async (t) => {
    const h = harness();
    const api = h.api(t);
    const runId = await h.start(api, await h.hierarchy(api, 1));
    const expectJsonError = (s: SseStream, status: number, code: string) => {
      t.is(s.status, status, s.text);
      t.like(s.json, { success: false, code: status, error_code: code });
    };
    for (const get of [false, true]) {
      expectJsonError(await openSse(...h.streamOptions(987_654_321, { get })), 404, 'RUN_NOT_FOUND');
      expectJsonError(await openSse(...h.streamOptions(runId, { get, headers: { 'X-Tenant-Id': uniqueTenant() } })), 404, 'RUN_NOT_FOUND');
      expectJsonError(await openSse(...h.streamOptions(runId, { get, headers: { 'Last-Event-ID': 'abc' } })), 400, 'INVALID_EVENT_ID');
    }
    const [url] = h.streamOptions(runId, { get: true });
    expectJsonError(await openSse(`${url}&last_event_id=1-x`, { method: 'GET' }), 400, 'INVALID_EVENT_ID');
    // The run itself was not disturbed.
    assertClosedAfter(t, await h.stream(runId));
  });
}
