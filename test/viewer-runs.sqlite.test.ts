import test from 'ava';
import type { Page } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { useViewerHarness, waitForStatus, type ViewerHarness } from './helpers/viewer-harness.ts';
import { uniqueTenant } from './helpers/api-harness.ts';
import { uniqueName } from './helpers/backends.ts';

// The viewer's own formatting (a browser module, imported by URL: typed `any` here).
const { formatDuration } = await import(new URL('../src/http/viewer/static/format.js', import.meta.url).href);

// Functions handed to page.waitForFunction run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const location: any;
declare const localStorage: any;

/**
 * The runs list and run page in headless Chromium: filters (in the URL hash) narrow the rows,
 * a run that completed while its worker failed is flagged, two runs compare side by side, and an
 * ended run's page hides its controls and runs again. Each test's runs are in a tenant of its own.
 */
const harness = useViewerHarness();

/** One team, one worker (Fay) whose model fails on `marker`; the supervisors' model never does. */
async function failingWorkerHierarchy(h: ViewerHarness, tenant: string, marker: string): Promise<{ id: string; name: string }> {
  const ok = await h.post('models/create', { name: uniqueName('ok'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 1, reply_tokens: 6 } }, tenant);
  const failing = await h.post('models/create', { name: uniqueName('fail'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 1, fail_marker: marker } }, tenant);
  return h.post('hierarchies/create', {
    name: uniqueName('solo'), execution_mode: 'sequential',
    global_supervisor_agent: { system_prompt: 'You coordinate.', llm_config: { model_id: ok.id } },
    teams: [{
      name: 'Solo', team_supervisor_agent: { system_prompt: 'You lead.', llm_config: { model_id: ok.id } },
      workers: [{ name: 'Fay', role: 'analyst', system_prompt: 'You are Fay.', llm_config: { model_id: failing.id } }],
    }],
  }, tenant);
}

/** A page of the viewer as `tenant` (API keys are off: the tenant setting alone scopes it). */
async function openAs(h: ViewerHarness, tenant: string, hash: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await h.open('#/');
  await opened.page.evaluate((tn) => localStorage.setItem('cadre.viewer.settings', JSON.stringify({ apiKey: '', tenant: tn })), tenant);
  await opened.page.goto(`${h.server.url}/viewer/${hash}`);
  await opened.page.reload();
  return opened;
}

/** Waits until the list shows exactly these runs (newest first). */
async function untilRows(page: Page, ids: number[]): Promise<void> {
  await page.waitForFunction((want) => {
    const shown = [...document.querySelectorAll('[data-testid=run-row]')].map((r: any) => Number(r.getAttribute('data-run')));
    return JSON.stringify(shown) === JSON.stringify(want) && (want.length > 0 || document.querySelector('[data-testid=runs-empty]') !== null);
  }, ids, { timeout: 10_000 });
}

/** With CADRE_VIEWER_SCREENSHOTS=<dir>: the page as the README shows it, as <dir>/<name>.png. */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CADRE_VIEWER_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png` });
}

const localDay = (offsetDays = 0) => {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

test.serial('the runs list: filters by text, hierarchy, errors, status and dates narrow the rows and live in the hash; completed with errors is flagged', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('vlist');
  const plain = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 6, jitter_ms: 0 }, tenant);
  const solo = await failingWorkerHierarchy(h, tenant, 'EXPLODE');
  const sales = (await h.runToEnd(plain.id, 'Summarise the SALES figures', tenant)).id;
  const churn = (await h.runToEnd(plain.id, 'Review the churn', tenant)).id;
  const broken = (await h.runToEnd(solo.id, 'Please EXPLODE the ledger', tenant)).id;
  const recorded = await h.post('runs/get', { id: broken }, tenant);
  t.like(recorded, { status: 'completed', completed_with_errors: true, error_count: 1 });

  const { page, errors } = await openAs(h, tenant, '#/');
  t.teardown(() => page.close());
  await untilRows(page, [broken, churn, sales]);
  // Each row's figures: wall time, tokens, cost, errors; the run with a failed worker flagged amber.
  const figures = async (id: number) => page.$$eval(`[data-testid=run-row][data-run="${id}"] td.num`, (tds) => tds.map((td) => td.textContent));
  const salesRun = await h.post('runs/get', { id: sales }, tenant);
  t.deepEqual((await figures(sales)).slice(2, 3), [(salesRun.input_tokens + salesRun.output_tokens).toLocaleString('en')]);
  t.regex((await figures(sales))[1] ?? '', /^\d+(\.\d)? (ms|s)$/, 'a wall time');
  t.is((await figures(sales))[4], '0', 'no errors');
  t.is((await figures(broken))[4], '1');
  const badge = page.locator(`[data-testid=run-row][data-run="${broken}"] [data-testid=run-row-status]`);
  t.is(await badge.textContent(), 'completed');
  t.regex((await badge.getAttribute('class')) ?? '', /status-with-errors/);
  t.regex((await page.locator(`[data-testid=run-row][data-run="${broken}"] [data-testid=run-row-errors-flag]`).textContent()) ?? '', /with errors · 1 agent did not complete/);
  t.is(await page.locator(`[data-testid=run-row][data-run="${sales}"] [data-testid=run-row-errors-flag]`).count(), 0);
  await screenshot(page, 'viewer-runs');

  // Text (case-insensitive), kept in the hash: a reload shows the same filtered list.
  await page.getByTestId('text-filter').fill('sales');
  await untilRows(page, [sales]);
  t.is(await page.evaluate(() => location.hash), '#/?q=sales');
  await page.reload();
  await untilRows(page, [sales]);
  t.is(await page.getByTestId('text-filter').inputValue(), 'sales');
  // A run id finds its run.
  await page.getByTestId('text-filter').fill(String(churn));
  await untilRows(page, [churn]);
  await page.getByTestId('filters-clear').click();
  await untilRows(page, [broken, churn, sales]);
  t.is(await page.evaluate(() => location.hash), '#/');

  await page.getByTestId('hierarchy-filter').selectOption(solo.id);
  await untilRows(page, [broken]);
  await page.getByTestId('hierarchy-filter').selectOption('');
  await page.getByTestId('errors-filter').check();
  await untilRows(page, [broken]);
  await page.getByTestId('status-filter').selectOption('cancelled');
  await untilRows(page, []);
  t.regex(await page.evaluate(() => location.hash), /^#\/\?status=cancelled&errors=1$/);
  await page.getByTestId('filters-clear').click();
  await page.getByTestId('to-filter').fill(localDay(-1));
  await untilRows(page, []);
  await page.getByTestId('to-filter').fill('');
  await page.getByTestId('from-filter').fill(localDay(0));
  await untilRows(page, [broken, churn, sales]);
  // A shared link with filters opens filtered.
  await page.goto(`${h.server.url}/viewer/#/?hierarchy=${plain.id}&q=REVIEW`);
  await untilRows(page, [churn]);
  t.is(await page.getByTestId('hierarchy-filter').inputValue(), plain.id);
  t.deepEqual(errors, []);
});

test.serial('compare: two runs ticked in the list open side by side with their answers, spend and durations', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('vcmp');
  const plain = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 8, jitter_ms: 0 }, tenant);
  const solo = await failingWorkerHierarchy(h, tenant, 'EXPLODE');
  const a = (await h.runToEnd(plain.id, 'Summarise the Q3 sales', tenant)).id;
  const b = (await h.runToEnd(solo.id, 'Please EXPLODE the forecast', tenant)).id;
  const [runA, runB] = [await h.post('runs/get', { id: a }, tenant), await h.post('runs/get', { id: b }, tenant)];

  const { page, errors } = await openAs(h, tenant, '#/');
  t.teardown(() => page.close());
  await untilRows(page, [b, a]);
  t.is(await page.getByTestId('compare-link').count(), 0, 'no comparison before two runs are ticked');
  await page.locator(`[data-testid=run-row][data-run="${b}"] [data-testid=run-select]`).check();
  await page.locator(`[data-testid=run-row][data-run="${a}"] [data-testid=run-select]`).check();
  await page.getByTestId('compare-link').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=compare-page]') !== null, undefined, { timeout: 10_000 });
  t.is(await page.evaluate(() => location.hash), `#/compare/${a}/${b}`);

  const cellOf = (testid: string, id: number) => page.locator(`[data-testid=${testid}][data-run="${id}"]`).textContent();
  t.true(String(runA.result).length > 0);
  t.is(await cellOf('compare-answer', a), runA.result);
  t.is(await cellOf('compare-answer', b), runB.result);
  for (const [run, id] of [[runA, a], [runB, b]] as const) {
    t.is(await cellOf('compare-input-tokens', id), run.input_tokens.toLocaleString('en'));
    t.is(await cellOf('compare-output-tokens', id), run.output_tokens.toLocaleString('en'));
    t.regex((await cellOf('compare-wall', id)) ?? '', /^\d+(\.\d)? (ms|s)$/);
    t.regex((await cellOf('compare-agent-time', id)) ?? '', /^\d+(\.\d)? (ms|s)$/);
    t.is(await cellOf('compare-cost', id), run.cost_usd == null ? '–' : `$${run.cost_usd.toFixed(4)}`);
    t.is(await cellOf('compare-task', id), run.task);
  }
  t.is(await cellOf('compare-errors', a), '0');
  t.is(await cellOf('compare-errors', b), '1');
  t.is(await page.locator(`[data-testid=compare-status][data-run="${b}"] [data-testid=compare-errors-flag]`).count(), 1);
  // Per agent: the union of both runs' agents, matched by team and name; Fay is in run b only.
  const agents = await page.$$eval('[data-testid=compare-agent-row]', (rows) => rows.map((r) => r.getAttribute('data-agent')));
  t.is(agents.length, Object.keys(runA.statistics.agents).length + Object.keys(runB.statistics.agents).length - 1, agents.join());
  t.true(agents.includes('Solo/Fay') && agents.includes('Analysts/Ada') && agents.includes('/Global Supervisor'), agents.join());
  await screenshot(page, 'viewer-compare');
  t.deepEqual(errors, []);
});

test.serial('an ended run: cancel and agent controls gone, wall and summed agent time apart; run again starts the same task and opens it', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('vagain');
  const plain = await h.hierarchy({ token_delay_ms: 1, reply_tokens: 6, jitter_ms: 0 }, tenant);
  const first = await h.runToEnd(plain.id, 'Tally the orders twice', tenant);
  const recorded = await h.post('runs/get', { id: first.id }, tenant);
  const { page, errors } = await openAs(h, tenant, `#/runs/${first.id}`);
  t.teardown(() => page.close());
  await waitForStatus(page, 'completed');
  await page.waitForFunction(() => document.querySelector('[data-testid=run-again]') !== null, undefined, { timeout: 10_000 });
  t.is(await page.getByTestId('cancel').count(), 0, 'no cancel on an ended run');
  t.is(await page.locator('[data-testid=agent-card]').count(), 6);
  t.is(await page.locator('[data-testid=agent-cancel], [data-testid=agent-steer]').count(), 0, 'no agent controls on an ended run');
  t.is(await page.getByTestId('run-errors-flag').count(), 0);
  t.is(await page.getByTestId('run-wall-time').textContent(), formatDuration(recorded.duration_ms));
  t.is(await page.getByTestId('run-agent-time').textContent(), formatDuration(recorded.agent_time_ms));
  t.regex((await page.getByTestId('run-times').textContent()) ?? '', /wall time .+ · agent time .+ \(summed over agents\)/);

  await page.getByTestId('run-again').click();
  await page.waitForFunction((id) => /^#\/runs\/\d+$/.test(location.hash) && location.hash !== `#/runs/${id}`, first.id, { timeout: 10_000 });
  const again = Number((await page.evaluate(() => location.hash)).split('/')[2]);
  t.true(again > first.id);
  await waitForStatus(page, 'completed');
  t.like(await h.post('runs/get', { id: again }, tenant), { hierarchy_id: plain.id, task: 'Tally the orders twice', status: 'completed' });
  t.is(await page.getByTestId('run-task').textContent(), 'Tally the orders twice');
  t.deepEqual(errors, []);
});

test.serial('the run page flags a run completed with errors, and shows its failed worker', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('vflag');
  const solo = await failingWorkerHierarchy(h, tenant, 'EXPLODE');
  const run = await h.runToEnd(solo.id, 'Please EXPLODE the totals', tenant);
  const { page, errors } = await openAs(h, tenant, `#/runs/${run.id}`);
  t.teardown(() => page.close());
  await waitForStatus(page, 'completed');
  await page.waitForFunction(() => document.querySelector('[data-testid=run-errors-flag]') !== null, undefined, { timeout: 10_000 });
  t.regex((await page.getByTestId('run-status').getAttribute('class')) ?? '', /status-with-errors/);
  t.regex((await page.getByTestId('run-errors-flag').textContent()) ?? '', /with errors · 1 agent did not complete/);
  const states = await page.$$eval('[data-testid=tree-node]', (els) => els.map((e) => [e.querySelector('.agent-name')?.textContent, e.getAttribute('data-state')]));
  t.deepEqual(states, [['Global Supervisor', 'done'], ['Solo supervisor', 'done'], ['Fay', 'failed']]);
  t.deepEqual(errors, []);
});
