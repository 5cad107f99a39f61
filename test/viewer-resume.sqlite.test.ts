import test from 'ava';
import { API_PREFIX } from '../src/http/api-route.ts';
import { openSse, type SseStream } from './helpers/sse-client.ts';
import { showAllRows, timelineSequences, useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';

// Functions handed to page.waitForFunction run in the browser, where it exists (no DOM lib here).
declare const document: any;

/**
 * When the browser's own reconnect is refused (an HTTP error closes an EventSource for good),
 * the viewer reopens the stream itself from the last event it holds. Here the process allows
 * one stream at a time: while another client holds it, reconnects get 503.
 */
const harness = useViewerHarness({ sseMaxConnections: 1 });

test('a reconnect refused with 503 is retried by the page from its last event: no gap, no repeat', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 20, reply_tokens: 15, jitter_ms: 0 });
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'Survive a refused reconnect' });
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=timeline-row]').length >= 30, undefined, { timeout: 30_000 });
  t.is(h.streamRequests.length, 1);

  // The slot goes to the stream of a run that outlasts the test (so the holder never ends by itself).
  const slow = await h.hierarchy({ token_delay_ms: 200, reply_tokens: 500, jitter_ms: 0 });
  const long = await h.post('runs/start', { hierarchy_id: slow.id, task: 'Hold the only stream slot' });
  // Cut the page's stream, and take the one stream slot before the browser comes back (it waits 2 s).
  h.streamRequests[0]!.res.destroy();
  let holder: SseStream | undefined;
  const deadline = Date.now() + 10_000;
  while (!holder) {
    t.true(Date.now() < deadline, 'the slot is given back when the cut stream ends');
    const attempt = await openSse(`${h.server.url}${API_PREFIX}/runs/stream?id=${long.id}`);
    if (attempt.status === 200) holder = attempt;
  }
  const held = holder;
  t.teardown(() => held.close());
  // The browser's reconnect gets 503 and gives up; the page then reopens with last_event_id.
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim().startsWith('reconnecting'), undefined, { timeout: 20_000 });
  const refusedUntil = Date.now() + 20_000;
  while (!h.streamRequests.some((r) => r.url.includes('last_event_id='))) {
    t.true(Date.now() < refusedUntil, 'the page reopens the stream itself');
    await page.waitForRequest((r) => r.url().includes('/runs/stream'), { timeout: 20_000 });
  }
  held.close();
  t.is((await h.post('runs/cancel', { id: long.id })).status, 'cancelled', 'the slot holder is done with');

  await waitForStatus(page, 'completed');
  const reopened = h.streamRequests.find((r) => r.url.includes('last_event_id='))!;
  const from = Number(new URL(reopened.url, h.server.url).searchParams.get('last_event_id'));
  t.true(from >= 30, `reopened after the events it had: ${from}`);
  const stored = await h.post('runs/events', { id: run.id, limit: 1000 });
  t.true(stored.count > from);
  await showAllRows(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-row]').length === n, stored.count, { timeout: 10_000 });
  t.deepEqual(await timelineSequences(page), Array.from({ length: stored.count }, (_, i) => stored.count - i));
  t.is(await page.getByTestId('stat-gaps').textContent(), '0 / 0');
  t.true(Number(await page.getByTestId('connection').getAttribute('data-reconnects')) >= 1);
  t.deepEqual(errors, []);
});
