import test from 'ava';
import { subscribeWithHistory } from '../src/events/subscribe-with-history.ts';
import type { StoredEvent } from '../src/events/run-event.ts';
import { events, freshRunId, until } from './suites/event-log-suite.ts';

/** A log kept in an array, with a live feed the test drives: what a backend hands the pager. */
function arrayLog() {
  const stored: StoredEvent[] = [];
  let listener: ((es: StoredEvent[]) => void) | undefined;
  return {
    stored,
    publish: (es: StoredEvent[]) => listener?.(es),
    listen: (l: (es: StoredEvent[]) => void) => {
      listener = l;
      return () => { listener = undefined; };
    },
    readPage: async (after: number, limit: number) => stored.filter((e) => e.sequence > after).slice(0, limit),
  };
}

test('a live batch that skips sequences sends the subscriber back to the log for the missing ones', async (t) => {
  const run = freshRunId();
  const log = arrayLog();
  const all = events(run, 1, 12);
  log.stored.push(...all.slice(0, 3));
  const seen: number[] = [];
  let caughtUp = 0;
  const sub = subscribeWithHistory(0, { onEvents: (es) => { seen.push(...es.map((e) => e.sequence)); }, onCaughtUp: () => { caughtUp++; } }, log.listen, log.readPage);
  await until(() => caughtUp === 1, 'the first catch-up');
  t.deepEqual(seen, [1, 2, 3]);
  // 4..6 are stored but their live batch never came (a shared feed lost it): 7..9 arrives first.
  log.stored.push(...all.slice(3, 9));
  log.publish(all.slice(6, 9));
  // Live events arriving while the gap is read are held, then delivered once.
  log.stored.push(...all.slice(9, 12));
  log.publish(all.slice(9, 12));
  log.publish(all.slice(6, 12));
  await until(() => seen.length >= 12, 'the missing events');
  sub.close();
  t.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i + 1));
  t.is(caughtUp, 1);
});

test('two live feeds handing over the same events during catch-up deliver each event once', async (t) => {
  const run = freshRunId();
  const log = arrayLog();
  const all = events(run, 1, 6);
  const seen: number[] = [];
  let caughtUp = false;
  const sub = subscribeWithHistory(0, { onEvents: (es) => { seen.push(...es.map((e) => e.sequence)); }, onCaughtUp: () => { caughtUp = true; } }, log.listen, log.readPage);
  // Published before the history read answers: both feeds' copies are buffered once.
  log.stored.push(...all);
  log.publish(all.slice(0, 3));
  log.publish(all.slice(0, 3));
  log.publish(all.slice(3));
  await until(() => caughtUp && seen.length >= 6, 'catch-up');
  sub.close();
  t.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
});
