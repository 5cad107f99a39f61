import test from 'ava';
import { API_PREFIX } from '../src/http/api-route.ts';
import { POLL_MS } from '../src/events/polled-run-feeds.ts';
import type { StoredEvent } from '../src/events/run-event.ts';
import { Api } from './helpers/api-harness.ts';
import { createTestDatabase, uniqueName } from './helpers/backends.ts';
import { pollUntil } from './helpers/cadre-process.ts';
import { sampleHierarchyOn } from './helpers/fixtures.ts';
import { eventFrames, openSse, type SseStream } from './helpers/sse-client.ts';
import { serveOn } from './suites/run-bounds-suite.ts';

// Without Redis, two services on one SQLite file (two processes): the run executes in `owner`,
// and `follower` streams it by reading back what the owner stores. Its subscribers of one run
// share one poller: about one read of the log per interval, however many follow the run.
test('50 subscribers of a run executing in another process share one poller; each gets every event once, in order, from its own resume point', async (t) => {
  const db = await createTestDatabase('sqlite');
  t.teardown(() => db.drop());
  const owner = await serveOn(db, {});
  t.teardown(() => owner.close());
  const follower = await serveOn(db, {});
  t.teardown(() => follower.close());
  const api = new Api(t, owner.url, uniqueName('poll'));
  const followerApi = api.as(api.tenant);

  const model = uniqueName('paced');
  await api.ok('models/create', { name: model, model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 40, reply_tokens: 40, jitter_ms: 0 } });
  const hierarchy = await api.ok('hierarchies/create', sampleHierarchyOn(model));
  const run = await api.ok('runs/start', { hierarchy_id: hierarchy.id, task: 'Study the market' });
  t.false(follower.service.runtime.isLive(api.tenant!, run.id), 'the follower does not execute the run');
  const storedCount = async () => (await api.ok('runs/events', { id: run.id, limit: 1000 })).count as number;
  await pollUntil('the run to store some events', 20_000, async () => ((await storedCount()) >= 10 ? true : undefined));

  // Every read of the follower's log (history pages and polls) is counted.
  let reads = 0;
  const log = follower.service.eventLog as { read(runId: number, range?: object): Promise<StoredEvent[]> };
  const read = log.read.bind(log);
  log.read = (runId, range) => {
    reads++;
    return read(runId, range);
  };
  const streamUrl = `${follower.url}${API_PREFIX}/runs/stream`;
  const open = (after: number) => openSse(streamUrl, {
    method: 'POST', body: { id: run.id }, headers: { 'x-tenant-id': api.tenant!, ...(after > 0 && { 'last-event-id': String(after) }) },
  });
  const drained = (s: SseStream) => (async () => {
    for await (const _ of s) {
      // read to the end
    }
    return s;
  })();
  const early = await Promise.all(Array.from({ length: 40 }, (_, i) => open(i % 2 === 0 ? 0 : 5)));
  const resumedFrom = early.map((_, i) => (i % 2 === 0 ? 0 : 5));
  const ends = early.map(drained);
  await pollUntil('every subscriber to get events', 20_000, async () => (early.every((s) => eventFrames(s.frames).length > 0) ? true : undefined), 50);

  // While they follow the live run: about one read per poll interval, not one per subscriber.
  const readsBefore = reads;
  const framesBefore = early.map((s) => eventFrames(s.frames).length);
  const since = Date.now();
  const storedBefore = await storedCount();
  await pollUntil('the run to store more events', 30_000, async () => ((await storedCount()) >= storedBefore + 40 ? true : undefined), 100);
  const polls = reads - readsBefore;
  const intervals = (Date.now() - since) / POLL_MS;
  t.log(`${polls} reads in ${intervals.toFixed(1)} poll intervals for ${early.length} subscribers`);
  t.true(intervals >= 2, 'the window spans several polls');
  t.true(polls >= 1, 'the run was polled');
  t.true(polls <= intervals + 3, `${polls} reads in ${intervals.toFixed(1)} intervals`);
  t.true(early.every((s, i) => eventFrames(s.frames).length > framesBefore[i]!), 'every subscriber got the new events');

  // Late subscribers catch up from the log (from the start, or resuming), then join the shared feed.
  const lateFrom = [0, 3, storedBefore, storedBefore + 20, 1, 0, 7, 2, storedBefore + 10, 0];
  const late = await Promise.all(lateFrom.map(open));
  const all = [...(await Promise.all(ends)), ...(await Promise.all(late.map(drained)))];
  const from = [...resumedFrom, ...lateFrom];

  const stored = (await api.ok('runs/events', { id: run.id, limit: 1000 })).events as Array<{ id: string; sequence: number }>;
  t.true(stored.length > storedBefore + 40);
  t.is((await followerApi.ok('runs/get', { id: run.id })).status, 'completed');
  t.is(all.length, 50);
  for (const [i, stream] of all.entries()) {
    const ids = eventFrames(stream.frames).map((f) => Number(f.id));
    t.deepEqual(ids, stored.filter((e) => e.sequence > from[i]!).map((e) => e.sequence), `subscriber ${i} (after ${from[i]}): every event once, in order`);
    t.is(stream.frames.at(-1)?.event, 'close');
  }
  t.is(eventFrames(all[0]!.frames).at(-1)?.event, 'lifecycle.completed');
});
