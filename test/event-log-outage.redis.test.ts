import test from 'ava';
import { OwnRedisServer } from './helpers/redis-server.ts';
import { redisEventLog } from './helpers/redis-event-log-factory.ts';
import { freshRunId, until } from './suites/event-log-suite.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import type { EventLog, Subscription } from '../src/events/event-log.ts';
import type { EventDraft } from '../src/events/run-event.ts';

const RUNS = 8;
const EVENTS_PER_RUN = 900;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Follows a run on `log` from `after`, recording every sequence delivered (duplicates included). */
function follow(log: EventLog, runId: number, after: number): { seen: number[]; sub: Subscription } {
  const seen: number[] = [];
  const sub = log.subscribe(runId, after, { onEvents: (es) => { for (const e of es) seen.push(e.sequence); } });
  return { seen, sub };
}

/** A run's sink as the runtime drives it: a few events per tick until the terminal one. */
function produce(writer: RunEventWriter, total: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const drafts: EventDraft[] = [];
      for (let i = 0; i < 3 && writer.lastSequence + drafts.length < total; i++) {
        const last = writer.lastSequence + drafts.length + 1 === total;
        drafts.push({ source: null, category: last ? 'lifecycle' : 'llm', action: last ? 'completed' : 'stream', data: { n: writer.lastSequence + drafts.length + 1 } });
      }
      writer.pushBatch(drafts);
      if (writer.lastSequence >= total) {
        clearInterval(timer);
        writer.drain().then(resolve, resolve);
      }
    }, 2);
  });
}

test.serial('Redis killed mid-run and restarted empty: runs complete, histories are gap-free, subscribers get every event exactly once', async (t) => {
  const server = await OwnRedisServer.start();
  t.teardown(() => server.kill());
  const fixture = await redisEventLog('sqlite', { url: server.url })();
  t.teardown(() => fixture.dispose());
  const { log, archive } = fixture;
  // Another process's view: it sees this process's appends only through Redis (and SQL).
  const other = await fixture.sibling!();
  const runs = Array.from({ length: RUNS }, freshRunId);
  const errors: Error[] = [];
  const writers = runs.map((run) => new RunEventWriter(run, log, (err) => errors.push(err)));
  const live = runs.map((run) => follow(other, run, 0));
  const done = writers.map((w) => produce(w, EVENTS_PER_RUN));

  await until(() => live.every((l) => l.seen.length >= 150), 'live events on the other process before the outage');
  const resumeAt = live[0]!.seen.at(-1)!;
  t.true(log.redisReady);

  await server.kill();
  await until(() => log.heldEvents > 0 && writers.every((w) => w.lastSequence > resumeAt + 100), 'events stored while Redis is down');
  const health = await log.health();
  t.false(health.ok);
  t.true(health.serving, health.detail);
  await server.restart();

  await Promise.all(done);
  await until(() => log.heldEvents === 0, 'the held events written back');
  t.deepEqual(errors, []);
  for (const [i, run] of runs.entries()) {
    t.is(writers[i]!.lostCount, 0);
    t.deepEqual((await log.read(run)).map((e) => e.sequence), range(1, EVENTS_PER_RUN), `run ${run} through the log`);
    t.deepEqual((await other.read(run)).map((e) => e.sequence), range(1, EVENTS_PER_RUN), `run ${run} from the other process`);
    t.is((await log.last(run))?.action, 'completed');
  }
  // The SQL archive alone holds the whole history (Redis lost what it had before the outage).
  // The archive is written asynchronously: wait (with a deadline) for its last event, then check all.
  const deadline = Date.now() + 20_000;
  for (const run of runs) {
    while ((await archive.last(run))?.sequence !== EVENTS_PER_RUN && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.deepEqual((await archive.read(run)).map((e) => e.sequence), range(1, EVENTS_PER_RUN), `run ${run} in SQL`);
  }

  // Followers across the outage, and one resuming from before it, each get every event once, in order.
  const resumed = follow(other, runs[0]!, resumeAt);
  await until(() => live.every((l) => l.seen.at(-1) === EVENTS_PER_RUN) && resumed.seen.at(-1) === EVENTS_PER_RUN, 'every event delivered');
  for (const l of live) t.deepEqual(l.seen, range(1, EVENTS_PER_RUN));
  t.deepEqual(resumed.seen, range(resumeAt + 1, EVENTS_PER_RUN));
  for (const l of [...live, resumed]) l.sub.close();
  t.true((await log.health()).ok);
});
