import test from 'ava';
import { redisEventLog } from './helpers/redis-event-log-factory.ts';
import { events, freshRunId, until } from './suites/event-log-suite.ts';
import { SequenceConflictError } from '../src/events/sequence-conflict-error.ts';

const make = redisEventLog('sqlite');
let fixture: Awaited<ReturnType<typeof make>>;
test.before(async () => {
  fixture = await make();
});
test.after.always(async () => {
  await fixture?.dispose();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * A process's own runs reach its subscribers through its fan-out, not XREAD. When another
 * process takes a run over, this process's subscribers still get the new owner's events.
 */
test('a run taken over by another process: subscribers of the first owner get the new owner\'s events', async (t) => {
  const run = freshRunId();
  const first = fixture.log;
  const second = await fixture.sibling!();
  const seen: number[] = [];
  const sub = first.subscribe(run, 0, { onEvents: (es) => { seen.push(...es.map((e) => e.sequence)); } });
  await first.append(run, events(run, 1, 10));
  await until(() => seen.length >= 10, 'the first owner\'s events');
  // The new owner continues the log; the old one is fenced off and its subscribers follow Redis again.
  await second.append(run, events(run, 11, 20));
  await t.throwsAsync(first.append(run, events(run, 11, 11)), { instanceOf: SequenceConflictError });
  await until(() => seen.length >= 20, 'the new owner\'s events');
  t.deepEqual(seen, range(1, 20));
  await second.append(run, events(run, 21, 25));
  await until(() => seen.length >= 25, 'more of the new owner\'s events');
  sub.close();
  t.deepEqual(seen, range(1, 25));
});

test('a run that goes quiet here is read from Redis again: another writer\'s events arrive without a conflict here', async (t) => {
  const run = freshRunId();
  const first = fixture.log;
  const second = await fixture.sibling!();
  const seen: number[] = [];
  const sub = first.subscribe(run, 0, { onEvents: (es) => { seen.push(...es.map((e) => e.sequence)); } });
  await first.append(run, events(run, 1, 5));
  // The first process never appends again (its run moved away): the deadline is far beyond the quiet period.
  await second.append(run, events(run, 6, 12));
  await until(() => seen.length >= 12, 'the other writer\'s events', 30_000);
  sub.close();
  t.deepEqual(seen, range(1, 12));
});
