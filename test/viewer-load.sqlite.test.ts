import test from 'ava';
import { useViewerHarness } from './helpers/viewer-harness.ts';

// Functions handed to the page run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const window: any;
declare const PerformanceObserver: any;
declare const MutationObserver: any;
declare function requestAnimationFrame(callback: (now: number) => void): number;

/**
 * A run streaming hundreds of events a second: the page applies events in batches (once per
 * animation frame at most), not one render per event, and every event reaches the timeline.
 * How smoothly it paints is measured and logged, not asserted: frame gaps depend on how loaded
 * the machine running the tests is (a clean-clone CI run saw a 2.3 s gap once), while the number
 * of renders per event is a property of the page's code.
 */
const harness = useViewerHarness();

test('hundreds of events a second stay on screen without freezing the page', async (t) => {
  const h = harness();
  // Parallel teams and workers, each streaming a token every millisecond or so.
  const hierarchy = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 1000, jitter_ms: 0 }, undefined, { execution_mode: 'parallel' });
  const { page, errors } = await h.open('#/');
  t.teardown(() => page.close());
  // Watch the main thread from before the run starts: long tasks and the gaps between frames.
  await page.evaluate(() => {
    const probe = { longTasks: [] as number[], maxFrameGap: 0, frames: 0, last: 0, renders: 0 };
    window.cadreProbe = probe;
    // One callback per task that changed the page: a page rendering per event would change it
    // once per SSE message; a batching one once per flush.
    new MutationObserver(() => { probe.renders += 1; }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    new PerformanceObserver((list: any) => {
      for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
    const tick = (now: number) => {
      if (probe.last) probe.maxFrameGap = Math.max(probe.maxFrameGap, now - probe.last);
      probe.last = now;
      probe.frames += 1;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'Stream as fast as you can' });
  await page.evaluate((id) => { window.location.hash = `#/runs/${id}`; }, run.id);
  await page.waitForFunction(() => document.querySelector('[data-testid=run-status]')?.textContent === 'completed', undefined, { timeout: 90_000 });
  const stored = await h.post('runs/events', { id: run.id, limit: 1000 });
  const count = (await h.post('runs/get', { id: run.id })).statistics.event_count as number;
  await page.waitForFunction((n) => document.querySelector('[data-testid=stat-events]')?.textContent === n.toLocaleString('en'), count, { timeout: 20_000 });
  const probe = await page.evaluate(() => window.cadreProbe);

  const events = stored.events as Array<{ timestamp: string }>;
  t.true(events.length > 0);
  const last = await h.post('runs/events', { id: run.id, start_id: String(count), limit: 1 });
  const seconds = (Date.parse(last.events[0].timestamp) - Date.parse(events[0]!.timestamp)) / 1000;
  const rate = Math.round(count / seconds);
  const longest = Math.max(0, ...probe.longTasks);
  t.log(`${count} events in ${seconds.toFixed(1)} s (${rate}/s); ${probe.renders} renders; ${probe.frames} frames, longest frame gap ${Math.round(probe.maxFrameGap)} ms; long tasks: ${probe.longTasks.length}, longest ${Math.round(longest)} ms`);
  t.true(count > 3000, `a run of many events: ${count}`);
  t.true(rate >= 200, `hundreds of events a second: ${rate}/s`);
  t.true(probe.frames > 0, 'the page painted frames during the run');
  t.true(probe.renders > 0, 'the page rendered the run');
  // Rendering at most every 50 ms gives ~20 renders a second whatever the event rate; one render
  // per event would be `count` of them.
  t.true(probe.renders < count / 5, `${probe.renders} renders for ${count} events`);
  t.is(await page.getByTestId('stat-gaps').textContent(), '0 / 0');
  t.deepEqual(errors, []);
});
