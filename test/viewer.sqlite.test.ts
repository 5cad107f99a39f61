import test from 'ava';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { showAllRows, timelineSequences, useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';
import { uniqueTenant } from './helpers/api-harness.ts';

// Functions handed to page.waitForFunction run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const location: any;
declare const localStorage: any;

/**
 * The run viewer driven in headless Chromium against the composed service: a run started from
 * its form shows its tree and streamed text live, a dropped stream resumes by Last-Event-ID
 * without gaps, cancel works, a finished run replays from history.
 */
const harness = useViewerHarness();
const range = (n: number) => Array.from({ length: n }, (_, i) => n - i);

test.serial('a run started from the form shows its actor tree and streamed text live; the timeline holds every sequence once', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 25, reply_tokens: 12, jitter_ms: 0 });
  const { page, errors } = await h.open('#/');
  t.teardown(() => page.close());
  await page.getByTestId('start-hierarchy').selectOption(hierarchy.id);
  await page.getByTestId('start-task').fill('Compute 2+2 and summarise the Q3 sales trends');
  await page.getByTestId('start-submit').click();
  await page.waitForFunction(() => /^#\/runs\/\d+$/.test(location.hash), undefined, { timeout: 10_000 });
  const runId = Number((await page.evaluate(() => location.hash)).split('/')[2]);

  // Live: while the run is still running, the tree shows every agent and a worker's text has streamed in.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=tree-node]').length === 6
    && [...document.querySelectorAll('[data-testid=agent-card][data-agent=team-analysts-worker-ada] [data-testid=agent-text]')]
      .map((e) => e.textContent).join('').length > 40,
  undefined, { timeout: 30_000 });
  t.is(await page.getByTestId('run-status').textContent(), 'running', 'the tree and text appeared while the run was running');
  const names = await page.$$eval('[data-testid=tree-node] .agent-name', (els) => els.map((e) => e.textContent));
  t.deepEqual(names, ['Global Supervisor', 'Analysts supervisor', 'Ada', 'Bob', 'Writers supervisor', 'Cy']);
  const liveStates = await page.$$eval('[data-testid=tree-node]', (els) => els.map((e) => e.getAttribute('data-state')));
  t.true(liveStates.some((s) => s === 'thinking' || s === 'delegating' || s === 'using a tool'), `someone is busy: ${liveStates}`);

  // A picture of the run in flight: under the OS tmp dir, and as the README's screenshot when asked.
  const shot = join(tmpdir(), `cadre-viewer-${runId}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  t.log(`screenshot: ${shot}`);
  if (process.env.CADRE_VIEWER_SCREENSHOT) {
    await mkdir(dirname(process.env.CADRE_VIEWER_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: process.env.CADRE_VIEWER_SCREENSHOT });
  }

  await waitForStatus(page, 'completed');
  const stored = await h.post('runs/events', { id: runId, limit: 1000 });
  t.false(stored.has_more);
  t.true(stored.count > 50);
  await showAllRows(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-row]').length === n, stored.count, { timeout: 10_000 });
  t.deepEqual(await timelineSequences(page), range(stored.count));
  t.is(await page.getByTestId('stat-gaps').textContent(), '0 / 0');
  const states = await page.$$eval('[data-testid=tree-node]', (els) => els.map((e) => e.getAttribute('data-state')));
  t.deepEqual(states, ['done', 'done', 'done', 'done', 'done', 'done']);
  t.true((await page.getByTestId('tool-call').allTextContents()).some((text) => text.includes('calculator')));
  t.deepEqual(errors, []);
});

test.serial('a dropped stream resumes by Last-Event-ID: every sequence once, no gap', async (t) => {
  const h = harness();
  // Long enough that the stream opens, and is cut, while the run is still going.
  const hierarchy = await h.hierarchy({ token_delay_ms: 30, reply_tokens: 50, jitter_ms: 0 });
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'Survive a dropped connection' });
  const before = h.streamRequests.length;
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=timeline-row]').length >= 30, undefined, { timeout: 30_000 });
  // The rows may all have come from the stored history, read before the stream opens.
  await h.streamRequestsReach(before + 1);
  const first = h.streamRequests.slice(before);
  t.is(first.length, 1, 'one stream so far');
  // It was opened after the history the page read first: from where that ended, not by the browser's header.
  t.is(first[0]!.lastEventId, undefined);
  // Cut the server side of the connection mid-run, as a proxy or a network drop would.
  t.false(first[0]!.res.writableEnded, 'the stream is still open: the run has not ended');
  first[0]!.res.destroy();

  await page.waitForFunction(() => Number(document.querySelector('[data-testid=connection]')?.getAttribute('data-reconnects')) >= 1, undefined, { timeout: 20_000 });
  const resumed = h.streamRequests.slice(before + 1);
  t.true(resumed.length >= 1, 'the browser reconnected');
  // The browser's Last-Event-ID (events came through this stream), else the resume point the page gave it.
  const resumedAfter = Number(resumed[0]!.lastEventId ?? new URL(resumed[0]!.url, h.server.url).searchParams.get('last_event_id'));
  t.true(resumedAfter >= 30, `resumed after the events it had: ${resumedAfter}`);

  await waitForStatus(page, 'completed');
  const stored = await h.post('runs/events', { id: run.id, limit: 1000 });
  t.true(stored.count > Number(resumed[0]!.lastEventId), 'events came after the drop');
  await showAllRows(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-row]').length === n, stored.count, { timeout: 10_000 });
  t.deepEqual(await timelineSequences(page), range(stored.count));
  t.is(await page.getByTestId('stat-gaps').textContent(), '0 / 0');
  t.deepEqual(errors, []);
});

test.serial('the cancel button ends the run cancelled, and the page shows it', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 40, reply_tokens: 60, jitter_ms: 0 });
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'A long task to cancel' });
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=agent-text]')].some((e) => (e.textContent ?? '').length > 0), undefined, { timeout: 30_000 });
  t.is(await page.getByTestId('run-status').textContent(), 'running');
  await page.getByTestId('cancel').click();
  await waitForStatus(page, 'cancelled', 20_000);
  t.is((await h.post('runs/get', { id: run.id })).status, 'cancelled');
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim().startsWith('ended'), undefined, { timeout: 10_000 });
  const states = await page.$$eval('[data-testid=tree-node]', (els) => els.map((e) => e.getAttribute('data-state')));
  t.is(states.length, 6);
  t.is(states[0], 'cancelled', 'the global supervisor shows the run cancelled');
  t.false(states.some((s) => s === 'thinking' || s === 'delegating' || s === 'using a tool' || s === 'waiting'), `nobody still busy or waiting: ${states}`);
  t.is(await page.getByTestId('cancel').count(), 0, 'no cancel once the run ended');
  t.is(await page.getByTestId('run-again').count(), 1);
  const newest = await page.$eval('[data-testid=timeline-row]', (row) => row.textContent);
  t.true(newest?.includes('lifecycle.cancelled'), `newest event: ${newest}`);
  t.deepEqual(errors, []);
});

test.serial('a finished run replays from history with its statistics', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 10, jitter_ms: 0 });
  const run = await h.runToEnd(hierarchy.id, 'Replay me later');
  const recorded = await h.post('runs/get', { id: run.id });
  t.is(recorded.status, 'completed');
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await waitForStatus(page, 'completed');
  await showAllRows(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-row]').length === n, run.events, { timeout: 20_000 });
  t.true(run.events > 50);
  t.deepEqual(await timelineSequences(page), range(run.events));
  t.is(await page.getByTestId('run-result').textContent(), recorded.result);
  const states = await page.$$eval('[data-testid=tree-node]', (els) => els.map((e) => e.getAttribute('data-state')));
  t.deepEqual(states, ['done', 'done', 'done', 'done', 'done', 'done']);
  const totals = await page.$$eval('[data-testid=stats-totals] td', (tds) => tds.map((td) => td.textContent));
  t.is(totals[1], recorded.statistics.totals.input_tokens.toLocaleString('en'));
  t.is(totals[2], recorded.statistics.totals.output_tokens.toLocaleString('en'));
  t.true(recorded.statistics.totals.input_tokens > 0);

  // Filters: one agent's events only, then without the llm category.
  await page.getByTestId('filter-agent').selectOption('team-analysts-worker-ada');
  const adaRows = await page.$$eval('[data-testid=timeline-row] td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
  t.true(adaRows.length > 0);
  t.true(adaRows.every((name) => name === 'Ada (Analysts)'), `only Ada: ${[...new Set(adaRows)]}`);
  await page.getByTestId('filter-llm').uncheck();
  const kinds = await page.$$eval('[data-testid=timeline-row] code', (els) => els.map((e) => e.textContent));
  t.true(kinds.length === 0 || kinds.every((k) => !k?.startsWith('llm.')), `no llm events: ${kinds}`);
  await page.getByTestId('filter-agent').selectOption('');
  const allKinds = await page.$$eval('[data-testid=timeline-row] code', (els) => els.map((e) => e.textContent));
  t.true(allKinds.length > 0);
  t.true(allKinds.every((k) => !k?.startsWith('llm.')));
  t.true(allKinds.includes('dispatch.worker'));
  t.deepEqual(errors, []);
});

test.serial('settings: the key and tenant go on every API request and into the stream URL, kept across reloads', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('viewer');
  const key = `key-${tenant}`;
  const mine = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 6, jitter_ms: 0 }, tenant);
  const run = await h.post('runs/start', { hierarchy_id: mine.id, task: 'A run of another tenant' }, tenant);
  const { page, errors } = await h.open('#/');
  t.teardown(() => page.close());
  const requests: Array<{ url: string; headers: Record<string, string> }> = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/executor/v1/')) requests.push({ url: r.url(), headers: r.headers() });
  });
  await page.getByTestId('settings-open').click();
  await page.locator('input[name=apiKey]').fill(key);
  await page.locator('input[name=tenant]').fill(tenant);
  await page.getByRole('button', { name: 'Save' }).click();
  // The form now lists this tenant's hierarchy, and only it (the header reached the API).
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid=start-hierarchy] option')].map((o: any) => o.value).join() === id, mine.id, { timeout: 10_000 });
  await page.waitForFunction((id) => document.querySelector(`[data-testid=run-row][data-run="${id}"]`) !== null, run.id, { timeout: 10_000 });
  // From here on every request is made with the saved settings: the list's next polls among them.
  requests.length = 0;
  for (let polls = 0; polls < 2; polls++) await page.waitForRequest((r) => r.url().endsWith('/runs/list'), { timeout: 10_000 });
  for (const r of requests) {
    t.is(r.headers.authorization, `Bearer ${key}`, r.url);
    t.is(r.headers['x-tenant-id'], tenant, r.url);
  }

  // Kept in localStorage: a reload keeps them.
  await page.reload();
  await page.waitForFunction((id) => document.querySelector(`[data-testid=run-row][data-run="${id}"]`) !== null, run.id, { timeout: 10_000 });
  t.regex((await page.getByTestId('settings-open').textContent()) ?? '', new RegExp(`tenant ${tenant} · key set`));

  // EventSource cannot send headers: the stream URL carries them as query parameters.
  const url = await page.evaluate(async ([id]) => (await import('/viewer/api.js' as string)).streamUrl(JSON.parse(localStorage.getItem('cadre.viewer.settings')!), id, 41), [run.id]);
  const params = new URL(url, h.server.url).searchParams;
  t.is(params.get('access_token'), key);
  t.is(params.get('tenantId'), tenant);
  t.is(params.get('id'), String(run.id));
  t.is(params.get('last_event_id'), '41');

  // With the tenant alone (API keys are off on this server), the run's page follows its stream.
  await page.evaluate((tn) => localStorage.setItem('cadre.viewer.settings', JSON.stringify({ apiKey: '', tenant: tn })), tenant);
  await page.goto(`${h.server.url}/viewer/#/runs/${run.id}`);
  await page.reload(); // the goto changed the hash only: the page must load the settings anew
  await waitForStatus(page, 'completed');
  const stored = await h.post('runs/events', { id: run.id, limit: 1000 }, tenant);
  t.true(stored.count > 0);
  await showAllRows(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-row]').length === n, stored.count, { timeout: 10_000 });
  // An ended run's history is read in pages of runs/events/compact (its terminal event among them,
  // so no stream is opened); each page asks as the tenant.
  const pages = requests.filter((r) => r.url.endsWith('/runs/events/compact'));
  t.true(pages.length > 0);
  for (const r of pages) t.is(r.headers['x-tenant-id'], tenant);
  t.false(requests.some((r) => r.url.includes('/runs/stream')), 'an ended run is not followed');
  t.deepEqual(errors, []);
});

test.serial('a failed run shows failed, with its error', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 5, jitter_ms: 0, fail_marker: 'EXPLODE' });
  const run = await h.runToEnd(hierarchy.id, 'Please EXPLODE right away');
  const recorded = await h.post('runs/get', { id: run.id });
  t.is(recorded.status, 'failed');
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await waitForStatus(page, 'failed');
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim().startsWith('ended'), undefined, { timeout: 10_000 });
  t.regex((await page.getByTestId('run-error-detail').textContent()) ?? '', /EXPLODE/);
  const states = await page.$$eval('[data-testid=tree-node]', (els) => els.map((e) => e.getAttribute('data-state')));
  t.is(states[0], 'failed', 'the global supervisor failed');
  // It failed before delegating: no other agent ever started, and each says so (not "waiting").
  t.deepEqual(states.slice(1), ['skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
  const cardStates = await page.$$eval('[data-testid=agent-card] header .state', (els) => els.map((e) => e.textContent));
  t.deepEqual(cardStates, ['failed', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
  const newest = await page.$eval('[data-testid=timeline-row]', (row) => row.textContent);
  t.true(newest?.includes('lifecycle.failed'), `newest event: ${newest}`);
  t.is(await page.getByTestId('cancel').count(), 0, 'no cancel once the run ended');
  t.is(await page.getByTestId('run-errors-flag').count(), 0, 'failed, not completed with errors');
  t.deepEqual(errors, []);
});
