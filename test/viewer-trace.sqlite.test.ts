import test from 'ava';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';
import { uniqueTenant } from './helpers/api-harness.ts';

// Functions handed to page.waitForFunction run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const localStorage: any;

/**
 * The trace waterfall in headless Chromium: a known run's spans as rows, nested as runs/trace
 * answers them (run → global task → team tasks → worker tasks → their calls); a model call
 * opened shows its whole input; a live run's open spans end once it does.
 */
const harness = useViewerHarness();

/** Each span's depth in the tree runs/trace describes. */
function depths(spans: Array<{ span_id: string; parent_id: string | null }>): Map<string, number> {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const depth = (id: string): number => {
    const parent = byId.get(id)?.parent_id;
    return parent ? depth(parent) + 1 : 0;
  };
  return new Map(spans.map((s) => [s.span_id, depth(s.span_id)]));
}

const rowsOf = (page: any) => page.$$eval('[data-testid=trace-row]', (rows: any[]) => rows.map((r) => ({
  span: r.getAttribute('data-span'), parent: r.getAttribute('data-parent'), depth: Number(r.getAttribute('data-depth')), kind: r.getAttribute('data-kind'), status: r.getAttribute('data-status'),
})));

test.serial('an ended run: one row per span nested as the tree; a model call opens into its whole input and output', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('vtrace');
  const hierarchy = await h.hierarchy({ token_delay_ms: 0, reply_tokens: 10, jitter_ms: 0 }, tenant);
  const run = await h.runToEnd(hierarchy.id, 'Compute 2+2 and summarise the Q3 sales trends', tenant);
  const trace = await h.post('runs/trace', { id: run.id }, tenant);
  t.true(trace.spans.length >= 15, `${trace.spans.length} spans`);

  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await page.evaluate((tn: string) => { localStorage.setItem('cadre.viewer.settings', JSON.stringify({ tenant: tn, apiKey: '' })); }, tenant);
  await page.reload();
  await waitForStatus(page, 'completed');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=trace-row]').length === n, trace.spans.length, { timeout: 15_000 });
  const rows = await rowsOf(page);
  // Every span once, under its parent, as deep as the tree has it; parents come before their children.
  t.deepEqual(rows.map((r: any) => r.span).sort(), trace.spans.map((s: any) => s.span_id).sort());
  const expected = depths(trace.spans);
  const seen = new Set<string>();
  for (const row of rows) {
    t.is(row.depth, expected.get(row.span), row.span);
    t.is(row.parent, trace.spans.find((s: any) => s.span_id === row.span).parent_id ?? '');
    if (row.parent) t.true(seen.has(row.parent), `${row.span} after its parent`);
    seen.add(row.span);
  }
  const byName = (kind: string, name: string) => trace.spans.find((s: any) => s.kind === kind && s.name === name);
  // run 0 → Global Supervisor 1 → team 2 → Ada 3 → her calls and the calculator 4.
  t.is(rows.find((r: any) => r.span === byName('agent_task', 'Ada').span_id).depth, 3);
  t.is(rows.find((r: any) => r.span === byName('tool_call', 'calculator').span_id).depth, 4);
  t.deepEqual(rows.filter((r: any) => r.status === 'running'), []);
  t.regex(await page.getByTestId('trace-wall').textContent() ?? '', /\d/);
  t.regex(await page.getByTestId('trace-agent-time').textContent() ?? '', /\d/);

  // Ada's second model call: her system prompt, her task, the calculator's call and its answer.
  const adaCalls = trace.spans.filter((s: any) => s.kind === 'model_call' && s.agent_name === 'Ada');
  t.is(adaCalls.length, 2);
  await page.locator(`[data-testid=trace-row][data-span="${adaCalls[1].span_id}"]`).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=detail-message]').length > 0, undefined, { timeout: 10_000 });
  t.is(await page.getByTestId('span-detail').getAttribute('data-span'), adaCalls[1].span_id);
  t.is(await page.getByTestId('detail-system').textContent(), 'You are Ada, a data analyst.');
  const roles = await page.$$eval('[data-testid=detail-message]', (els: any[]) => els.map((e) => e.getAttribute('data-role')));
  t.deepEqual(roles, ['user', 'assistant', 'tool']);
  const messages = await page.getByTestId('detail-messages').textContent() ?? '';
  t.regex(messages, /Compute 2\+2/);
  t.regex(messages, /calls calculator/);
  t.regex(messages, /calculator answered\s*\S*\s*4/);
  t.true((await page.getByTestId('detail-output').textContent() ?? '').length > 0);

  // A picture of the waterfall with the call opened: under the OS tmp dir, and as the README's when asked.
  const shot = join(tmpdir(), `cadre-trace-${run.id}.png`);
  await page.getByTestId('trace').screenshot({ path: shot });
  t.log(`screenshot: ${shot}`);
  if (process.env.CADRE_TRACE_SCREENSHOT) {
    await mkdir(dirname(process.env.CADRE_TRACE_SCREENSHOT), { recursive: true });
    await page.getByTestId('trace').screenshot({ path: process.env.CADRE_TRACE_SCREENSHOT });
  }
  // The calculator's own row: its arguments and result.
  await page.locator(`[data-testid=trace-row][data-span="${byName('tool_call', 'calculator').span_id}"]`).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=detail-result]')?.textContent === '4', undefined, { timeout: 10_000 });
  t.regex(await page.getByTestId('detail-input').textContent() ?? '', /2\s*\+\s*2/);

  t.deepEqual(errors, []);
});

test.serial('a live run: the waterfall shows its spans in progress and refreshes until they have all ended', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('vtrace-live');
  const hierarchy = await h.hierarchy({ token_delay_ms: 15, reply_tokens: 12, jitter_ms: 0 }, tenant);
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'Compute 2+2 and summarise' }, tenant);
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await page.evaluate((tn: string) => { localStorage.setItem('cadre.viewer.settings', JSON.stringify({ tenant: tn, apiKey: '' })); }, tenant);
  await page.reload();
  // While it runs: an open model call among the rows.
  await page.waitForFunction(() => document.querySelector('[data-testid=trace-row][data-kind=model_call][data-status=running]') !== null, undefined, { timeout: 30_000 });
  const early = (await rowsOf(page)).length;
  t.true(early > 0);
  await waitForStatus(page, 'completed');
  const trace = await h.post('runs/trace', { id: run.id }, tenant);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=trace-row]').length === n
    && document.querySelector('[data-testid=trace-row][data-status=running]') === null, trace.spans.length, { timeout: 15_000 });
  t.true(trace.spans.length > early, `${early} rows live, ${trace.spans.length} at the end`);
  t.deepEqual(errors, []);
});
