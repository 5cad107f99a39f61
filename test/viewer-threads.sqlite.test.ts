import test from 'ava';
import type { Page } from 'playwright-core';
import { useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';
import { pollUntil } from './helpers/cadre-process.ts';

// Functions handed to page.waitForFunction run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const location: any;

/**
 * Threads in the viewer, in headless Chromium against the composed service: the runs list shows
 * each run's thread and filters by it (#/threads/<id>), where the form starts the thread's next
 * turn; a run's page links its thread and lists its turns with their tasks and answers.
 */
const harness = useViewerHarness();

const rowIds = (page: Page) => page.$$eval('[data-testid=run-row]', (rows) => rows.map((r) => Number(r.getAttribute('data-run'))));

test.serial('the runs list shows threads and filters by one; the run page lists its thread\'s turns', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 8, jitter_ms: 0 });
  const thread = (await h.post('threads/create', { hierarchy_id: hierarchy.id })).id as string;
  const turn = async (task: string) => {
    const run = await h.post('runs/start', { thread_id: thread, task });
    return pollUntil(`run ${run.id} ended`, 30_000, async () => {
      const got = await h.post('runs/get', { id: run.id });
      return got.status === 'completed' ? got : undefined;
    }, 50);
  };
  const first = await turn('First question [turn-1]');
  const second = await turn('Follow-up question [turn-2]');
  const alone = await h.runToEnd(hierarchy.id, 'No thread [alone]');

  const { page, errors } = await h.open('#/');
  t.teardown(() => page.close());
  await page.waitForFunction((ids) => ids.every((id: number) => document.querySelector(`[data-testid=run-row][data-run="${id}"]`) !== null),
    [first.id, second.id, alone.id], { timeout: 10_000 });
  t.true((await page.locator('[data-testid=runs-table] th').allTextContents()).includes('thread'));
  const threadCell = (runId: number) => page.locator(`[data-testid=run-row][data-run="${runId}"] [data-testid=run-thread]`);
  for (const run of [first, second]) {
    t.is(await threadCell(run.id).textContent(), thread.slice(0, 8));
    t.is(await threadCell(run.id).getAttribute('href'), `#/threads/${thread}`);
  }
  t.is(await threadCell(alone.id).count(), 0, 'a run of no thread has no thread link');

  // Filter by the thread: only its runs, newest first.
  await threadCell(first.id).click();
  await page.waitForFunction((id) => location.hash === `#/threads/${id}`, thread, { timeout: 10_000 });
  await page.waitForFunction((id) => document.querySelector('[data-testid=thread-filter]')?.getAttribute('data-thread') === id, thread, { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 2, undefined, { timeout: 10_000 });
  t.deepEqual(await rowIds(page), [second.id, first.id]);
  t.is(await page.getByTestId('start-hierarchy').count(), 0, "a thread's next turn runs on its own hierarchy");

  // The form continues the thread; the new run lands in its list.
  await page.getByTestId('start-task').fill('Third question [turn-3]');
  await page.getByTestId('start-submit').click();
  await page.waitForFunction(() => /^#\/runs\/\d+$/.test(location.hash), undefined, { timeout: 10_000 });
  const thirdId = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  t.is((await h.post('runs/get', { id: thirdId })).thread_id, thread);
  await waitForStatus(page, 'completed');

  // The run page links its thread and lists the turns, oldest first, this one marked.
  t.is(await page.getByTestId('run-thread').getAttribute('href'), `#/threads/${thread}`);
  t.is(await page.getByTestId('run-thread').textContent(), thread.slice(0, 8));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=thread-turn]')].length === 3
    && document.querySelector('[data-testid=thread-turn][data-current=true] .status')?.textContent === 'completed', undefined, { timeout: 10_000 });
  const turns = await page.$$eval('[data-testid=thread-turn]', (els) => els.map((e) => ({
    run: Number(e.getAttribute('data-run')), current: e.getAttribute('data-current'),
    task: e.querySelector('[data-testid=turn-task]')?.textContent, answer: e.querySelector('[data-testid=turn-answer]')?.textContent,
  })));
  t.deepEqual(turns.map((x) => x.run), [first.id, second.id, thirdId]);
  t.deepEqual(turns.map((x) => x.current), ['false', 'false', 'true']);
  t.deepEqual(turns.map((x) => x.task), ['First question [turn-1]', 'Follow-up question [turn-2]', 'Third question [turn-3]']);
  t.true(turns.every((x) => typeof x.answer === 'string' && x.answer.length > 0 && x.answer !== '(completed)'), JSON.stringify(turns));
  const flat = String(first.result).replace(/\s+/g, ' ').trim();
  t.is(turns[0]!.answer, flat.length > 240 ? `${flat.slice(0, 239)}…` : flat);
  // An earlier turn links to its own page; the thread link back to the filtered list.
  t.is(await page.locator(`[data-testid=thread-turn][data-run="${first.id}"] a`).getAttribute('href'), `#/runs/${first.id}`);
  await page.getByTestId('thread-turns-link').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 3, undefined, { timeout: 10_000 });
  t.deepEqual(await rowIds(page), [thirdId, second.id, first.id]);

  // Clearing the filter shows every run again.
  await page.getByTestId('thread-filter-clear').click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid=run-row][data-run="${id}"]`) !== null, alone.id, { timeout: 10_000 });
  t.is(await page.getByTestId('thread-filter').count(), 0);

  // A run of no thread has no thread on its page.
  await page.evaluate((id) => { location.hash = `#/runs/${id}`; }, alone.id);
  // The task shows once the run's record is in: the record that would name a thread.
  await page.waitForFunction(() => document.querySelector('[data-testid=run-task]')?.textContent === 'No thread [alone]', undefined, { timeout: 10_000 });
  await waitForStatus(page, 'completed');
  t.is(await page.getByTestId('run-thread').count(), 0);
  t.is(await page.getByTestId('thread-turns').count(), 0);
  t.deepEqual(errors, []);
});
