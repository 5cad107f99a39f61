/**
 * A bench client process (forked by the bench): takes jobs over IPC, talks HTTP/SSE to a target
 * over loopback, answers with counters. Several run side by side so the client side is not the
 * bottleneck; every target (Cadre, the in-memory baseline, later Redis) gets this same code.
 */
import { follow } from './sse-follower.ts';
import { Tally } from './stream-tally.ts';
import { followPeer } from './peer-follower.ts';
import { Gate, mapLimit, postJson } from './http-json.ts';
import { emptyCounters, type ClientJob, type ClientReply, type HistoryJob, type HistoryResult, type StreamsJob, type StreamCounters } from './protocol.ts';

function send(reply: ClientReply): void {
  process.send!(reply);
}

async function runStreams(job: StreamsJob): Promise<StreamCounters> {
  const tally = new Tally(emptyCounters());
  const gate = new Gate(job.connectConcurrency);
  const followers: Array<ReturnType<typeof follow>> = [];
  let expired = false;
  const bases = job.bases && job.bases.length > 0 ? job.bases : [job.base];
  const subscribe = async (runId: number, base: string) => {
    for (let s = 0; s < job.subscribersPerRun && !expired; s++) {
      await gate.enter();
      if (expired) {
        gate.leave();
        break;
      }
      followers.push(follow(`${base}/runs/stream?id=${runId}`, runId, { tally, onConnected: () => gate.leave() }));
    }
  };
  const deadline = setTimeout(() => {
    expired = true;
    tally.counters.timedOut = true;
    for (const f of followers) f.stop();
  }, job.deadlineMs);
  try {
    const subscribing: Array<Promise<void>> = [];
    const peer = job.peer;
    if (peer && job.start) {
      // The peer starts a run by opening its stream: one request per run, one subscriber.
      for (let i = 0; i < job.start.count && !expired; i++) {
        await gate.enter();
        if (expired) {
          gate.leave();
          break;
        }
        tally.counters.runIds.push(i);
        const run = { base: job.base, assistantId: peer.assistantId, configurable: peer.configurable, expectedChunks: peer.expectedChunks, task: `${job.start.taskPrefix} ${i}` };
        followers.push(followPeer(run, { tally, onConnected: () => gate.leave() }));
      }
    } else if (job.start) {
      const { hierarchyId, count, taskPrefix } = job.start;
      // Each run is followed as soon as it is started, as a UI would.
      await mapLimit(Array.from({ length: count }, (_, i) => i), 16, async (i) => {
        if (expired) return;
        const started = await postJson<{ id: number }>(`${bases[i % bases.length]}/runs/start`, { hierarchy_id: hierarchyId, task: `${taskPrefix} ${i}` });
        tally.counters.runIds.push(started.data.id);
        subscribing.push(subscribe(started.data.id, bases[(i + 1) % bases.length]!));
      });
    }
    (job.runIds ?? []).forEach((id, i) => subscribing.push(subscribe(id, bases[i % bases.length]!)));
    await Promise.all(subscribing);
    // Followers are all registered by now; later pushes cannot happen.
    await Promise.all(followers.map((f) => f.done));
  } finally {
    clearTimeout(deadline);
  }
  return tally.report();
}

interface EventsPage { events: Array<{ sequence: number; run_id: number }>; count: number; has_more: boolean; next_id: string | null }

async function runHistory(job: HistoryJob): Promise<HistoryResult> {
  const result: HistoryResult = { eventsMs: [], eventsCount: [], pages: 0, replayMs: [], replay: emptyCounters(), errors: [] };
  const started = Date.now();
  for (let r = 0; r < job.repeats && Date.now() - started < job.deadlineMs; r++) {
    const t0 = performance.now();
    let next: string | null = '-';
    let count = 0;
    let pages = 0;
    let expected = 1;
    // Bounded: a 10,000-event run is a few dozen pages at most; the cap stops a server that loops.
    while (next !== null && pages < 10_000) {
      const page: { data: EventsPage } = await postJson<EventsPage>(`${job.base}/runs/events`, { id: job.runId, start_id: next, end_id: '+', limit: job.pageLimit });
      pages++;
      for (const e of page.data.events) {
        if (e.sequence !== expected || e.run_id !== job.runId) result.errors.push(`runs/events: sequence ${e.sequence} (run ${e.run_id}) where ${expected} was due`);
        expected = e.sequence + 1;
      }
      count += page.data.count;
      next = page.data.has_more ? page.data.next_id : null;
    }
    result.eventsMs.push(performance.now() - t0);
    result.eventsCount.push(count);
    result.pages = pages;
  }
  const tally = new Tally(emptyCounters());
  for (let r = 0; r < job.repeats && Date.now() - started < job.deadlineMs; r++) {
    const t0 = performance.now();
    const f = follow(`${job.base}/runs/stream?id=${job.runId}`, job.runId, { tally });
    const timer = setTimeout(() => f.stop(), job.deadlineMs);
    await f.done;
    clearTimeout(timer);
    result.replayMs.push(performance.now() - t0);
  }
  result.replay = tally.report();
  result.errors = result.errors.slice(0, 20);
  return result;
}

process.on('message', (job: ClientJob) => {
  const run = job.type === 'streams'
    ? runStreams(job).then((counters) => send({ type: 'streams', jobId: job.jobId, counters }))
    : runHistory(job).then((result) => send({ type: 'history', jobId: job.jobId, result }));
  run.catch((err: unknown) => send({ type: 'failed', jobId: job.jobId, error: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
// The parent went away (crash, Ctrl-C): nothing is left to report to, so stop.
process.on('disconnect', () => process.exit(0));
