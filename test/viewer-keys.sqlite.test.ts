import test from 'ava';
import type { Page } from 'playwright-core';
import { API_PREFIX } from '../src/http/api-route.ts';
import { uniqueTenant } from './helpers/api-harness.ts';
import { showAllRows, timelineSequences, useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';

// Functions handed to page.waitForFunction run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const location: any;
declare const localStorage: any;

/**
 * The run viewer with API_KEYS=required, in headless Chromium: its files load without a key, but
 * without one (or with a refused one) the pages say so and point to the settings box; with a key
 * the viewer acts for that key's tenant only — its list, its runs followed live over EventSource
 * (the key as access_token), cancel.
 */
const harness = useViewerHarness({ apiKeys: 'required' });
const range = (n: number) => Array.from({ length: n }, (_, i) => n - i);

interface Tenant { name: string; key: string; hierarchy: { id: string; name: string }; runId: number; task: string }
let a: Tenant;
let b: Tenant;

// Serial: after the harness's own before hook (ava runs before hooks concurrently otherwise).
test.serial.before(async () => {
  const h = harness();
  const seed = async (prefix: string): Promise<Tenant> => {
    const name = uniqueTenant(prefix);
    const key = await h.createKey(name);
    const hierarchy = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 5, jitter_ms: 0 }, { key });
    const task = `the private task of ${name}`;
    const run = await h.runToEnd(hierarchy.id, task, { key });
    return { name, key, hierarchy, runId: run.id, task };
  };
  a = await seed('vka');
  b = await seed('vkb');
});

/** Puts settings in the browser's storage and loads the page at `hash` with them. */
async function openWith(settings: { apiKey: string; tenant?: string }, hash: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await harness().open(hash);
  await opened.page.evaluate((s) => localStorage.setItem('cadre.viewer.settings', JSON.stringify(s)), { tenant: '', ...settings });
  await opened.page.reload();
  return opened;
}

const rowIds = (page: Page) => page.$$eval('[data-testid=run-row]', (rows) => rows.map((r) => Number(r.getAttribute('data-run'))));

test.serial('without a key the page loads and says an API key is needed, on the list and on a run, pointing to the settings box', async (t) => {
  const h = harness();
  const { page, errors } = await h.open('#/');
  t.teardown(() => page.close());
  await page.getByTestId('auth-notice').waitFor({ timeout: 10_000 });
  t.is(await page.getByTestId('auth-title').textContent(), 'API key needed');
  t.is(await page.getByTestId('auth-notice').getAttribute('data-status'), '401');
  t.regex((await page.getByTestId('auth-message').textContent()) ?? '', /a valid API key is required/);
  t.regex((await page.getByTestId('auth-notice').textContent()) ?? '', /settings box/);
  // The page is whole (header, form, table), just empty: no rows and no raw error line.
  t.true(await page.getByTestId('runs-table').isVisible());
  t.is(await page.getByTestId('run-row').count(), 0);
  t.is(await page.getByTestId('list-error').count(), 0);
  // Its button opens the settings box with the cursor in the key field.
  await page.getByTestId('auth-open-settings').click();
  await page.getByTestId('settings-form').waitFor({ timeout: 5_000 });
  await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'apiKey', undefined, { timeout: 5_000 });

  // A run's page: the run and its stream are refused alike, and it says so instead of spinning.
  const before = h.streamRequests.length;
  await page.goto(`${h.server.url}/viewer/#/runs/${a.runId}`);
  await page.reload();
  await page.getByTestId('auth-notice').waitFor({ timeout: 10_000 });
  t.is(await page.getByTestId('auth-title').textContent(), 'API key needed');
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim() === 'error', undefined, { timeout: 10_000 });
  const streams = h.streamRequests.slice(before);
  t.true(streams.length >= 1, 'the page tried the stream');
  t.false(streams.some((s) => s.url.includes('access_token')), 'no key to send');
  t.is(await page.getByTestId('timeline-row').count(), 0);
  t.is(await page.getByTestId('run-task').textContent(), '', 'nothing of the run shows');
  t.deepEqual(errors, []);
});

test.serial('a wrong key, or a tenant the key is not bound to, is shown as refused', async (t) => {
  const wrong = await openWith({ apiKey: `${a.key.slice(0, -2)}zz` }, '#/');
  t.teardown(() => wrong.page.close());
  await wrong.page.getByTestId('auth-notice').waitFor({ timeout: 10_000 });
  t.is(await wrong.page.getByTestId('auth-title').textContent(), 'API key refused');
  t.is(await wrong.page.getByTestId('run-row').count(), 0);

  const mismatch = await openWith({ apiKey: b.key, tenant: a.name }, `#/runs/${a.runId}`);
  t.teardown(() => mismatch.page.close());
  await mismatch.page.getByTestId('auth-notice').waitFor({ timeout: 10_000 });
  t.is(await mismatch.page.getByTestId('auth-title').textContent(), 'API key refused for this tenant');
  t.regex((await mismatch.page.getByTestId('auth-notice').textContent()) ?? '', /TENANT_MISMATCH/);
  t.is(await mismatch.page.getByTestId('run-task').textContent(), '');
  t.deepEqual([...wrong.errors, ...mismatch.errors], []);
});

test.serial("with a key entered in the settings box the list shows that tenant's runs only; a run started from the form is followed live to its end", async (t) => {
  const h = harness();
  const { page, errors } = await h.open('#/');
  t.teardown(() => page.close());
  await page.getByTestId('auth-open-settings').click();
  await page.locator('input[name=apiKey]').fill(a.key);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid=run-row][data-run="${id}"]`) !== null, a.runId, { timeout: 10_000 });
  t.deepEqual(await rowIds(page), [a.runId], "only the key's tenant's run");
  t.is(await page.getByTestId('auth-notice').count(), 0, 'the notice is gone');
  const options = await page.$$eval('[data-testid=start-hierarchy] option', (os) => os.map((o: any) => o.value));
  t.deepEqual(options, [a.hierarchy.id]);
  // The key stays in this browser (a reload keeps it); the summary names no tenant of its own: the key decides.
  t.regex((await page.getByTestId('settings-open').textContent()) ?? '', /the key's tenant · key set/);

  const hierarchy = await h.hierarchy({ token_delay_ms: 25, reply_tokens: 12, jitter_ms: 0 }, { key: a.key });
  await page.reload();
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid=start-hierarchy] option')].some((o: any) => o.value === id), hierarchy.id, { timeout: 10_000 });
  await page.getByTestId('start-hierarchy').selectOption(hierarchy.id);
  await page.getByTestId('start-task').fill('Compute 2+2 behind an API key');
  const before = h.streamRequests.length;
  await page.getByTestId('start-submit').click();
  await page.waitForFunction(() => /^#\/runs\/\d+$/.test(location.hash), undefined, { timeout: 10_000 });
  const runId = Number((await page.evaluate(() => location.hash)).split('/')[2]);

  // Live: text streams in while the run is still running.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=agent-text]')].map((e) => e.textContent).join('').length > 40, undefined, { timeout: 30_000 });
  t.is(await page.getByTestId('run-status').textContent(), 'running', 'events arrived while the run was running');
  const streams = h.streamRequests.slice(before);
  t.true(streams.length >= 1);
  const params = new URL(streams[0]!.url, h.server.url).searchParams;
  t.is(params.get('id'), String(runId));
  t.is(params.get('access_token'), a.key, 'EventSource carries the key as access_token');
  // A dropped connection: the browser's reconnect carries the key too, and resumes by Last-Event-ID.
  streams[0]!.res.destroy();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=connection]')?.getAttribute('data-reconnects')) >= 1, undefined, { timeout: 20_000 });
  const resumed = h.streamRequests.slice(before + 1);
  t.true(resumed.length >= 1, 'the browser reconnected');
  t.is(new URL(resumed[0]!.url, h.server.url).searchParams.get('access_token'), a.key);
  t.true(Number(resumed[0]!.lastEventId) > 0, `resumed after the events it had: Last-Event-ID ${resumed[0]!.lastEventId}`);

  await waitForStatus(page, 'completed');
  const stored = await h.post('runs/events', { id: runId, limit: 1000 }, { key: a.key });
  t.false(stored.has_more);
  t.true(stored.count > 50);
  await showAllRows(page);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=timeline-row]').length === n, stored.count, { timeout: 10_000 });
  t.deepEqual(await timelineSequences(page), range(stored.count));
  t.is(await page.getByTestId('stat-gaps').textContent(), '0 / 0');
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim().startsWith('ended'), undefined, { timeout: 10_000 });
  t.is((await h.post('runs/get', { id: runId }, { key: a.key })).status, 'completed');
  t.deepEqual(errors, []);
});

test.serial('cancel works with the key', async (t) => {
  const h = harness();
  const slow = await h.hierarchy({ token_delay_ms: 40, reply_tokens: 60, jitter_ms: 0 }, { key: a.key });
  const { page, errors } = await openWith({ apiKey: a.key }, '#/');
  t.teardown(() => page.close());
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid=start-hierarchy] option')].some((o: any) => o.value === id), slow.id, { timeout: 10_000 });
  await page.getByTestId('start-hierarchy').selectOption(slow.id);
  await page.getByTestId('start-task').fill('A long task to cancel behind an API key');
  await page.getByTestId('start-submit').click();
  await page.waitForFunction(() => /^#\/runs\/\d+$/.test(location.hash), undefined, { timeout: 10_000 });
  const runId = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=agent-text]')].some((e) => (e.textContent ?? '').length > 0), undefined, { timeout: 30_000 });
  t.is(await page.getByTestId('run-status').textContent(), 'running');
  const cancelRequest = page.waitForRequest((r) => r.url().endsWith(`${API_PREFIX}/runs/cancel`), { timeout: 10_000 });
  await page.getByTestId('cancel').click();
  t.is((await cancelRequest).headers().authorization, `Bearer ${a.key}`);
  await waitForStatus(page, 'cancelled', 20_000);
  t.is((await h.post('runs/get', { id: runId }, { key: a.key })).status, 'cancelled');
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim().startsWith('ended'), undefined, { timeout: 10_000 });
  const newest = await page.$eval('[data-testid=timeline-row]', (row) => row.textContent);
  t.true(newest?.includes('lifecycle.cancelled'), `newest event: ${newest}`);
  t.deepEqual(errors, []);
});

test.serial("a key for another tenant never shows the first tenant's runs", async (t) => {
  const h = harness();
  const mineA = (await h.post('runs/list', { size: 100 }, { key: a.key })).content.map((r: { id: number }) => r.id);
  t.true(mineA.length > 0, "tenant A has runs");

  // Switching keys in the settings box: from A's list straight to B's, never a row of A's under B's key.
  const { page, errors } = await openWith({ apiKey: a.key }, '#/');
  t.teardown(() => page.close());
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=run-row]').length === n, mineA.length, { timeout: 10_000 });
  const seen: number[][] = [];
  await page.exposeFunction('reportRows', (key: string, ids: number[]) => {
    if (key === b.key) seen.push(ids);
  });
  await page.getByTestId('settings-open').click();
  // Every change of the table from here on is reported: a row of A shown under B's key would be caught.
  await page.evaluate(() => {
    // With the key saved at that moment: A's polls before the switch show A's rows, rightly.
    const report = () => (globalThis as any).reportRows(JSON.parse(localStorage.getItem('cadre.viewer.settings')).apiKey, [...document.querySelectorAll('[data-testid=run-row]')].map((r: any) => Number(r.getAttribute('data-run'))));
    new (globalThis as any).MutationObserver(report).observe(document.querySelector('main'), { childList: true, subtree: true });
  });
  await page.locator('input[name=apiKey]').fill(b.key);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid=run-row][data-run="${id}"]`) !== null, b.runId, { timeout: 10_000 });
  // Two more polls of B's list, then what the table ever showed after the switch.
  for (let polls = 0; polls < 2; polls++) await page.waitForResponse((r) => r.url().endsWith('/runs/list'), { timeout: 10_000 });
  t.deepEqual(await rowIds(page), [b.runId]);
  t.true(seen.length > 0, 'the table changed after the switch');
  t.true(seen.every((ids) => ids.every((id) => id === b.runId)), `rows shown under B's key: ${JSON.stringify(seen)}`);
  const options = await page.$$eval('[data-testid=start-hierarchy] option', (os) => os.map((o: any) => o.value));
  t.deepEqual(options, [b.hierarchy.id]);
  t.false((await page.content()).includes(a.task));

  // A's run by its address, with B's key: not found, and nothing of it shown.
  await page.goto(`${h.server.url}/viewer/#/runs/${a.runId}`);
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent?.trim() === 'error', undefined, { timeout: 10_000 });
  t.regex((await page.getByTestId('run-error').textContent()) ?? '', /not found/i);
  t.is(await page.getByTestId('timeline-row').count(), 0);
  t.is(await page.getByTestId('tree-node').count(), 0);
  t.false((await page.content()).includes(a.task));
  t.deepEqual(errors, []);
});
