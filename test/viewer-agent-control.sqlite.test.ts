import test from 'ava';
import { useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';

// Functions handed to page.waitForFunction run in the browser, where it exists (no DOM lib here).
declare const document: any;

/**
 * Agent control from the run page, in headless Chromium against the composed service: steer a
 * team supervisor and cancel a worker mid-stream from their cards; the page shows the steer,
 * the cancelled worker's outcome with its partial output, and the run goes on to complete.
 */
const harness = useViewerHarness();

const card = (agentId: string) => `[data-testid=agent-card][data-agent="${agentId}"]`;

test.serial('steer and cancel one agent from its card: the outcome and partial output show, the run completes', async (t) => {
  const h = harness();
  // Paced: each worker streams for seconds, time to act on one mid-stream.
  const hierarchy = await h.hierarchy({ token_delay_ms: 25, reply_tokens: 200, jitter_ms: 0 });
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'Control agents from the page' });
  const topology = (await h.post('runs/get', { id: run.id })).topology_snapshot;
  const ada = topology.teams[0].workers.find((w: any) => w.name === 'Ada').agent_id as string;
  const lead = topology.teams[0].supervisor.agent_id as string;
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());

  await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} [data-testid=agent-text]`)].map((e: any) => e.textContent).join('').length > 40,
    card(ada), { timeout: 30_000 });

  // Steer the team's supervisor while its worker answers: recorded as agent.steered on its card.
  await page.locator(`${card(lead)} [data-testid=steer-message]`).fill('Keep it to one line.');
  await page.locator(`${card(lead)} [data-testid=agent-steer]`).click();
  await page.waitForFunction((sel) => document.querySelector(`${sel} [data-testid=control-note]`)?.textContent.startsWith('steered'), card(lead), { timeout: 10_000 });
  await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} [data-testid=agent-control-seg]`)].some((e: any) => e.textContent.includes('steered: Keep it to one line.')),
    card(lead), { timeout: 10_000 });

  // Cancel the streaming worker (hard): its card shows the outcome and what it had streamed.
  t.is(await page.locator(`${card(ada)} [data-testid=cancel-mode]`).inputValue(), 'hard');
  await page.locator(`${card(ada)} [data-testid=agent-cancel]`).click();
  await page.waitForFunction((sel) => document.querySelector(`${sel} [data-testid=control-note]`)?.textContent === 'stopped: cancelled', card(ada), { timeout: 15_000 });
  await page.waitForFunction((sel) => document.querySelector(`${sel} [data-testid=agent-outcome]`)?.textContent === 'cancelled', card(ada), { timeout: 10_000 });
  const partial = await page.locator(`${card(ada)} [data-testid=agent-partial]`).textContent();
  t.regex(partial ?? '', /^partial: \S/);
  t.is(await page.locator(`[data-testid=tree-node][data-agent="${ada}"]`).getAttribute('data-state'), 'cancelled');
  // A stopped agent cannot be cancelled or steered again: its controls are gone, its note stays; the others keep theirs.
  t.is(await page.locator(`${card(ada)} [data-testid=agent-cancel], ${card(ada)} [data-testid=agent-steer]`).count(), 0);
  t.is(await page.locator(`${card(ada)} [data-testid=control-note]`).textContent(), 'stopped: cancelled');
  t.true(await page.locator(`${card(lead)} [data-testid=agent-cancel]`).isEnabled());

  await waitForStatus(page, 'completed');
  const stored = await h.post('runs/get', { id: run.id });
  t.like(stored, { status: 'completed', completed_with_errors: true, error_count: 1 });
  // Completed, but a worker did not: amber and flagged, not a green "completed".
  await page.waitForFunction(() => document.querySelector('[data-testid=run-errors-flag]') !== null, undefined, { timeout: 10_000 });
  t.regex((await page.getByTestId('run-status').getAttribute('class')) ?? '', /status-with-errors/);
  t.is(stored.statistics.agents[ada].outcome.status, 'cancelled');
  t.true(String(stored.statistics.agents[ada].outcome.partial_output).length > 0);
  // The timeline shows the control events in their own category (the streamed tokens hidden).
  await page.getByTestId('filter-llm').uncheck();
  t.true(await page.getByTestId('filter-category-agent').isChecked());
  const rows = await page.$$eval('[data-testid=timeline-row] code', (els) => els.map((e) => e.textContent));
  t.true(rows.includes('agent.cancelled'), rows.slice(0, 20).join(','));
  t.true(rows.includes('agent.steered'));
  // Every card's controls are gone once the run ended (the cards stay).
  t.is(await page.locator('[data-testid=agent-card]').count(), 6);
  t.is(await page.locator('[data-testid=agent-cancel], [data-testid=agent-steer], [data-testid=steer-message]').count(), 0);
  t.is(await page.getByTestId('cancel').count(), 0);
  // Every event reached the page, the new categories among them (an unlistened type would be a gap).
  t.is(await page.getByTestId('stat-gaps').textContent(), '0 / 0');
  t.deepEqual(errors, []);
});
