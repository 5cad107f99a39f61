import test from 'ava';
import type { EventLog } from '../../src/events/event-log.ts';
import { toStoredEvent, type StoredEvent } from '../../src/events/run-event.ts';
import { HISTORY_PAGE_BYTES } from '../../src/events/subscribe-with-history.ts';
import { SequenceConflictError } from '../../src/events/sequence-conflict-error.ts';

let nextRunId = Math.floor(Date.now() / 1000) * 1000;
/** Run ids unique within this process, so concurrent tests never share a run. */
export function freshRunId(): number {
  return nextRunId++;
}

export function events(runId: number, from: number, to: number, contentSize = 0): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let seq = from; seq <= to; seq++) {
    out.push(toStoredEvent({
      run_id: runId, timestamp: new Date().toISOString(), sequence: seq, source: null,
      event: { category: seq % 2 ? 'llm' : 'dispatch', action: seq % 2 ? 'stream' : 'team' },
      data: contentSize ? { n: seq, task: 'é'.repeat(contentSize) } : { n: seq },
    }));
  }
  return out;
}

export interface EventLogFixture {
  log: EventLog;
  /** A second log instance on the same backend (another process's view), closed by dispose. */
  sibling?(): Promise<EventLog>;
  /** Whether the sibling sees live events appended on `log` (a shared live feed, e.g. Redis). */
  liveAcrossInstances?: boolean;
  dispose(): Promise<void>;
}

/** Resolves once `check` holds, polling each turn of the event loop; fails past the deadline. */
export function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

/** The EventLog contract, run against every implementation (`make` returns a fresh log). */
export function eventLogSuite(name: string, make: () => Promise<EventLogFixture>): void {
  let log: EventLog;
  let fixture: EventLogFixture;
  let dispose: () => Promise<void>;
  test.before(async () => {
    fixture = await make();
    ({ log, dispose } = fixture);
  });
  test.after.always(async () => {
    await dispose?.();
  });

  test(`${name}: append then read keeps order, payload and ids`, async (t) => {
    const run = freshRunId();
    const batch = events(run, 1, 25);
    await log.append(run, batch.slice(0, 10));
    await log.append(run, batch.slice(10));
    const read = await log.read(run);
    t.deepEqual(read, batch);
    t.deepEqual(read.map((e) => e.id), batch.map((e) => String(e.sequence)));
  });

  test(`${name}: read by range and limit`, async (t) => {
    const run = freshRunId();
    await log.append(run, events(run, 1, 30));
    t.deepEqual((await log.read(run, { from: 5, to: 9 })).map((e) => e.sequence), [5, 6, 7, 8, 9]);
    t.deepEqual((await log.read(run, { from: 28 })).map((e) => e.sequence), [28, 29, 30]);
    t.deepEqual((await log.read(run, { from: 10, limit: 3 })).map((e) => e.sequence), [10, 11, 12]);
    t.deepEqual(await log.read(run, { from: 31 }), []);
    t.deepEqual(await log.read(freshRunId()), []);
  });

  test(`${name}: last gives a run's highest event without reading its log, and nothing for an empty run`, async (t) => {
    const run = freshRunId();
    t.is(await log.last(run), undefined);
    const batch = events(run, 1, 1200);
    await log.append(run, batch.slice(0, 700));
    t.deepEqual(await log.last(run), batch[699]);
    await log.append(run, batch.slice(700));
    t.deepEqual(await log.last(run), batch[1199]);
    // Other runs' events never answer for this one.
    const other = freshRunId();
    await log.append(other, events(other, 1, 3));
    t.deepEqual(await log.last(run), batch[1199]);
  });

  test(`${name}: subscribe delivers history then live with no gap and no duplicate`, async (t) => {
    const run = freshRunId();
    await log.append(run, events(run, 1, 40));
    const seen: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => { done = resolve; });
    const sub = log.subscribe(run, 15, {
      onEvents: (es) => {
        seen.push(...es.map((e) => e.sequence));
        if (seen.at(-1) === 200) done();
      },
    });
    // Appends race the history read on purpose.
    for (let seq = 41; seq <= 200; seq += 20) await log.append(run, events(run, seq, seq + 19));
    await finished;
    sub.close();
    t.deepEqual(seen, Array.from({ length: 185 }, (_, i) => i + 16));
  });

  test(`${name}: a history longer than a page is delivered whole, waiting for the subscriber between pages`, async (t) => {
    const run = freshRunId();
    await log.append(run, events(run, 1, 1234));
    const seen: number[] = [];
    let pagesWaitedFor = 0;
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => { caughtUp = resolve; });
    const sub = log.subscribe(run, 0, {
      onEvents: (es) => {
        seen.push(...es.map((e) => e.sequence));
        // Flow control: the next page is read only after this resolves.
        return new Promise<void>((resolve) => setImmediate(() => { pagesWaitedFor++; resolve(); }));
      },
      onCaughtUp: () => caughtUp(),
    });
    await done;
    sub.close();
    t.deepEqual(seen, Array.from({ length: 1234 }, (_, i) => i + 1));
    t.true(pagesWaitedFor >= 3, `${pagesWaitedFor} pages`);
  });

  test(`${name}: a history of 100k-character events is delivered whole, in pages of about 1 MiB`, async (t) => {
    const run = freshRunId();
    const stored = events(run, 1, 25, 100_000);
    for (let i = 0; i < stored.length; i += 5) await log.append(run, stored.slice(i, i + 5));
    const pages: StoredEvent[][] = [];
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => { caughtUp = resolve; });
    const sub = log.subscribe(run, 0, {
      onEvents: (es) => {
        pages.push(es);
        return new Promise<void>((resolve) => setImmediate(resolve));
      },
      onCaughtUp: () => caughtUp(),
    });
    await done;
    sub.close();
    t.deepEqual(pages.flat(), stored);
    t.true(pages.length >= 3, `${pages.length} pages`);
    for (const page of pages) {
      t.true(page.length > 0);
      const bytes = page.reduce((n, e) => n + Buffer.byteLength(e.json), 0);
      t.true(page.length === 1 || bytes <= HISTORY_PAGE_BYTES, `a page of ${page.length} events, ${bytes} bytes`);
    }
  });

  test.serial(`${name}: subscribers see only their own run, and close stops delivery`, async (t) => {
    const [a, b] = [freshRunId(), freshRunId()];
    const seenA: number[] = [];
    const seenB: StoredEvent[] = [];
    const before = log.subscriberCount();
    let gotA!: () => void;
    const firstA = new Promise<void>((resolve) => { gotA = resolve; });
    const subA = log.subscribe(a, 0, { onEvents: (es) => { seenA.push(...es.map((e) => e.sequence)); gotA(); } });
    const subB = log.subscribe(b, 0, { onEvents: (es) => { seenB.push(...es); } });
    t.is(log.subscriberCount(), before + 2);
    await log.append(a, events(a, 1, 3));
    await firstA;
    subA.close();
    subA.close();
    await log.append(a, events(a, 4, 6));
    await log.append(b, events(b, 1, 2));
    await until(() => seenB.length >= 2, 'run b\'s events');
    subB.close();
    t.deepEqual(seenA, [1, 2, 3]);
    t.deepEqual(seenB.map((e) => e.sequence), [1, 2]);
    t.true(seenB.every((e) => JSON.parse(e.json).run_id === b));
    t.is(log.subscriberCount(), before);
  });

  test(`${name}: a run's concurrent batches from many runs are all stored in order`, async (t) => {
    const runs = Array.from({ length: 20 }, freshRunId);
    await Promise.all(runs.map(async (run) => {
      for (let seq = 1; seq <= 50; seq += 10) await log.append(run, events(run, seq, seq + 9));
    }));
    for (const run of runs) t.deepEqual((await log.read(run)).map((e) => e.sequence), Array.from({ length: 50 }, (_, i) => i + 1));
  });

  test(`${name}: appending a sequence twice fails instead of duplicating`, async (t) => {
    const run = freshRunId();
    await log.append(run, events(run, 1, 3));
    await t.throwsAsync(log.append(run, events(run, 3, 3)), { instanceOf: SequenceConflictError });
    t.deepEqual((await log.read(run)).map((e) => e.sequence), [1, 2, 3]);
  });

  test(`${name}: a batch is all or nothing: one stored sequence in it, or one not above the last, stores none of it`, async (t) => {
    const run = freshRunId();
    await log.append(run, events(run, 1, 3));
    await log.append(run, events(run, 5, 6));
    // Overlaps the stored tail: nothing of 6..9 may be stored, not even 7..9.
    const overlap = await t.throwsAsync(log.append(run, events(run, 6, 9)), { instanceOf: SequenceConflictError });
    t.is((overlap as SequenceConflictError).runId, run);
    // 4 is stored nowhere, but it is not above the last stored sequence (6).
    await t.throwsAsync(log.append(run, events(run, 4, 4)), { instanceOf: SequenceConflictError });
    const read = await log.read(run);
    t.deepEqual(read.map((e) => e.sequence), [1, 2, 3, 5, 6]);
    t.deepEqual((await log.last(run))?.sequence, 6);
    // The log goes on from its last sequence.
    await log.append(run, events(run, 7, 8));
    t.deepEqual((await log.read(run, { from: 6 })).map((e) => e.sequence), [6, 7, 8]);
  });

  test(`${name}: a conflicting batch in a tick fails alone; other runs' batches of the same tick are stored`, async (t) => {
    const [a, stale, c] = [freshRunId(), freshRunId(), freshRunId()];
    await log.append(stale, events(stale, 1, 10));
    const results = await Promise.allSettled([
      log.append(a, events(a, 1, 4)),
      log.append(stale, events(stale, 8, 12)),
      log.append(c, events(c, 1, 4)),
    ]);
    t.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    t.true((results[1] as PromiseRejectedResult).reason instanceof SequenceConflictError);
    t.deepEqual((await log.read(a)).map((e) => e.sequence), [1, 2, 3, 4]);
    t.deepEqual((await log.read(stale)).map((e) => e.sequence), Array.from({ length: 10 }, (_, i) => i + 1));
    t.deepEqual((await log.read(c)).map((e) => e.sequence), [1, 2, 3, 4]);
  });

  test(`${name}: a tick of 450 runs' batches is checked and stored whole, a stale one among them failing alone`, async (t) => {
    // More runs than one last-sequence statement of the SQL writers holds (200): three of them.
    const runs = Array.from({ length: 450 }, freshRunId);
    const stale = runs[321]!;
    await log.append(stale, events(stale, 1, 5));
    const results = await Promise.allSettled(runs.map((run) => log.append(run, run === stale ? events(run, 5, 6) : events(run, 1, 2))));
    t.deepEqual(results.flatMap((r, i) => (r.status === 'rejected' ? [runs[i]] : [])), [stale]);
    t.true((results[321] as PromiseRejectedResult).reason instanceof SequenceConflictError);
    for (const run of [runs[0]!, runs[200]!, runs[449]!]) t.deepEqual((await log.read(run)).map((e) => e.sequence), [1, 2]);
    t.deepEqual((await log.read(stale)).map((e) => e.sequence), [1, 2, 3, 4, 5]);
  });

  test(`${name}: append on one instance, read and subscribe on another`, async (t) => {
    if (!fixture.sibling) return t.fail('the fixture gives no second instance');
    const other = await fixture.sibling();
    const run = freshRunId();
    const stored = events(run, 1, 30);
    await log.append(run, stored.slice(0, 20));
    t.deepEqual(await other.read(run), stored.slice(0, 20));
    const seen: StoredEvent[] = [];
    let caughtUp = false;
    const sub = other.subscribe(run, 5, { onEvents: (es) => { seen.push(...es); }, onCaughtUp: () => { caughtUp = true; } });
    try {
      await until(() => caughtUp, 'the history on the other instance');
      t.deepEqual(seen, stored.slice(5, 20));
      // The other instance may also append (a new owner of the run), fenced by the same contract.
      await t.throwsAsync(other.append(run, events(run, 20, 21)), { instanceOf: SequenceConflictError });
      if (fixture.liveAcrossInstances) {
        await log.append(run, stored.slice(20));
        await until(() => seen.length >= 25, 'live events on the other instance');
        t.deepEqual(seen.map((e) => e.sequence), Array.from({ length: 25 }, (_, i) => i + 6));
        t.deepEqual(seen, stored.slice(5));
      }
    } finally {
      sub.close();
    }
  });

  test(`${name}: deleteRuns removes the runs' events everywhere, leaves other runs, and is idempotent`, async (t) => {
    const [gone, alsoGone, kept] = [freshRunId(), freshRunId(), freshRunId()];
    await log.append(gone, events(gone, 1, 30));
    await log.append(alsoGone, events(alsoGone, 1, 3));
    await log.append(kept, events(kept, 1, 12));
    await log.deleteRuns([gone, alsoGone]);
    t.deepEqual(await log.read(gone), []);
    t.deepEqual(await log.read(alsoGone), []);
    t.is(await log.last(gone), undefined);
    t.deepEqual((await log.read(kept)).map((e) => e.sequence), Array.from({ length: 12 }, (_, i) => i + 1));
    if (fixture.sibling) {
      // Another process's view of the same backend has nothing of them either.
      const other = await fixture.sibling();
      t.deepEqual(await other.read(gone), []);
      t.is(await other.last(alsoGone), undefined);
      await other.deleteRuns([gone]);
    }
    // Twice, and runs never stored: no error.
    await log.deleteRuns([gone, alsoGone, freshRunId()]);
    await log.deleteRuns([]);
    t.deepEqual(await log.read(gone), []);
  });

  test(`${name}: a live subscriber of a deleted run is ended with an error, not left hanging`, async (t) => {
    const run = freshRunId();
    await log.append(run, events(run, 1, 5));
    const seen: number[] = [];
    let caughtUp = false;
    let failed: Error | undefined;
    const sub = log.subscribe(run, 0, {
      onEvents: (es) => { seen.push(...es.map((e) => e.sequence)); },
      onCaughtUp: () => { caughtUp = true; },
      onError: (err) => { failed = err; },
    });
    try {
      await until(() => caughtUp, 'the history');
      t.deepEqual(seen, [1, 2, 3, 4, 5]);
      await log.deleteRuns([run]);
      await until(() => failed !== undefined, 'the subscription to end');
      t.regex(failed!.message, /deleted/);
    } finally {
      sub.close();
    }
  });

  test(`${name}: a tick larger than one INSERT statement allows is stored whole and in order`, async (t) => {
    // 11,000 rows × 6 values: past SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
    const [big, small] = [freshRunId(), freshRunId()];
    await Promise.all([log.append(big, events(big, 1, 11_000)), log.append(small, events(small, 1, 3))]);
    const read = await log.read(big);
    t.is(read.length, 11_000);
    t.true(read.every((e, i) => e.sequence === i + 1));
    t.deepEqual((await log.read(small)).map((e) => e.sequence), [1, 2, 3]);
  });

  test(`${name}: a failing batch rejects only its own append; the other runs of the same tick are stored`, async (t) => {
    const [a, bad, c] = [freshRunId(), freshRunId(), freshRunId()];
    await log.append(bad, events(bad, 1, 3));
    // Appended in one tick, so the log stores them as one group.
    const results = await Promise.allSettled([
      log.append(a, events(a, 1, 5)),
      log.append(bad, events(bad, 3, 4)),
      log.append(c, events(c, 1, 5)),
    ]);
    t.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    t.true((results[1] as PromiseRejectedResult).reason instanceof SequenceConflictError);
    t.deepEqual((await log.read(a)).map((e) => e.sequence), [1, 2, 3, 4, 5]);
    t.deepEqual((await log.read(bad)).map((e) => e.sequence), [1, 2, 3]);
    t.deepEqual((await log.read(c)).map((e) => e.sequence), [1, 2, 3, 4, 5]);
  });
}

/** A subscriber that throws is dropped; appends and the other subscribers go on. */
export function eventLogFaultSuite(name: string, make: () => Promise<EventLogFixture>): void {
  test(`${name}: a throwing subscriber cannot stall the log or other subscribers`, async (t) => {
    const { log, dispose } = await make();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const run = freshRunId();
      const seen: number[] = [];
      let errored: Error | undefined;
      log.subscribe(run, 0, { onEvents: () => { throw new Error('subscriber bug'); }, onError: (err) => { errored = err; } });
      const good = log.subscribe(run, 0, { onEvents: (es) => { seen.push(...es.map((e) => e.sequence)); } });
      await log.append(run, events(run, 1, 2));
      await log.append(run, events(run, 3, 4));
      await log.append(freshRunId(), events(run, 1, 1));
      // The history read may still be on its way on a pooled backend: wait for delivery, not time.
      await new Promise<void>((resolve) => {
        const poll = () => (seen.length >= 4 && errored ? resolve() : setImmediate(poll));
        poll();
      });
      t.is(errored?.message, 'subscriber bug');
      t.deepEqual(seen, [1, 2, 3, 4]);
      good.close();
      t.is(log.subscriberCount(), 0);
      t.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
      await dispose();
    }
  });
}
