import test from 'ava';
import { useViewerHarness, waitForStatus } from './helpers/viewer-harness.ts';

/** Where the viewer opens Stately's inspector (stately-inspector.js). */
const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

// Functions handed to page.waitForFunction run in the browser, where these exist (no DOM lib here).
declare const document: any;
declare const window: any;

/**
 * The run page's Inspect tab in headless Chromium against the composed service: the actor system
 * live from runs/inspect/stream (state charts with the current state, events received), the
 * Stately Inspector fed by its postMessage protocol (a stand-in page answers at its URL: the
 * browser is kept off the network), and the time-travel slider over the run's events.
 */
const harness = useViewerHarness();

/** What stands in for stately.ai/inspect: it says it is connected, as the real one does, and keeps what it is sent. */
const RECEIVER = `<!doctype html><script>
window.received = [];
addEventListener('message', (e) => window.received.push(e.data));
window.opener.postMessage({ type: '@statelyai.connected' }, '*');
</script>`;

const actor = (session: string) => `[data-testid=inspect-actor][data-session="${session}"]`;

test.serial('the Inspect tab follows the actors live: state charts with the current state, events received; Stately gets them too', async (t) => {
  const h = harness();
  // Paced: the last worker (Cy) starts seconds after the tab opens.
  const hierarchy = await h.hierarchy({ token_delay_ms: 20, reply_tokens: 80, jitter_ms: 0 });
  const run = await h.post('runs/start', { hierarchy_id: hierarchy.id, task: 'Inspect me' });
  const topology = (await h.post('runs/get', { id: run.id })).topology_snapshot;
  const ada = `agent:${topology.teams[0].workers.find((w: any) => w.name === 'Ada').agent_id}`;
  const cy = `agent:${topology.teams[1].workers[0].agent_id}`;
  const { page, errors } = await h.open(`#/runs/${run.id}`);
  t.teardown(() => page.close());
  await page.context().route(`${STATELY_INSPECTOR_URL}**`, (route) => route.fulfill({ contentType: 'text/html', body: RECEIVER }));

  await page.getByTestId('inspect-tab').click();
  await page.waitForSelector(actor(`run:${run.id}`), { timeout: 15_000 });
  await page.waitForSelector(actor(cy), { timeout: 15_000 });
  // The run's own chart: its states, the current one highlighted.
  const runBoxes = await page.$$eval('[data-testid=state-box]', (els) => els.map((e: any) => e.dataset.state));
  t.deepEqual(runBoxes, ['boot', 'starting', 'preparing', 'running', 'finishing', 'done']);
  t.is(await page.getAttribute('[data-testid=state-box][data-current=true]', 'data-state'), 'running');

  // A worker's chart: its machine's states.
  await page.locator(actor(ada)).click();
  await page.waitForFunction((session) => document.querySelector('[data-testid=inspect-detail]')?.dataset.session === session, ada);
  const workerBoxes = await page.$$eval('[data-testid=state-box]', (els) => els.map((e: any) => e.dataset.state));
  t.deepEqual(workerBoxes, ['idle', 'working', 'usingTools', 'stopped']);

  // Cy, the last worker, waits while the tab is open; then he is given his TASK and works.
  await page.locator(actor(cy)).click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=actor-event]')].some((e: any) => e.dataset.type === 'TASK'), undefined, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=state-box][data-current=true]')?.dataset.state === 'working', undefined, { timeout: 30_000 });

  // Open in Stately Inspector: once it says it is connected, it is sent every actor and the events so far, then the new ones.
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('open-stately').click()]);
  await popup.waitForFunction((session) => window.received.some((e: any) => e.type === '@xstate.actor' && e.sessionId === session), `run:${run.id}`, { timeout: 15_000 });
  const before = await popup.evaluate(() => window.received.length);
  t.true(before > 5, `${before} events sent`);
  await waitForStatus(page, 'completed');
  await page.waitForFunction(() => document.querySelector('[data-testid=inspect-connection]')?.textContent === 'ended', undefined, { timeout: 15_000 });
  const sent = await popup.evaluate(() => window.received);
  t.true(sent.length > before, 'live events follow the backlog');
  t.true(sent.every((e: any) => typeof e.type === 'string' && typeof e._version === 'string' && typeof e.sessionId === 'string'));
  t.true(sent.some((e: any) => e.type === '@xstate.snapshot' && e.sessionId === `run:${run.id}` && e.snapshot.status === 'done'), 'the run\'s end reached it');
  t.deepEqual(errors, []);
});

test.serial('the time-travel slider shows the run as it was: workers waiting early, one working at its dispatch, all completed at the end', async (t) => {
  const h = harness();
  const hierarchy = await h.hierarchy({ token_delay_ms: 0, reply_tokens: 10, jitter_ms: 0 });
  const { id, events } = await h.runToEnd(hierarchy.id, 'Travel in time');
  const stored = (await h.post('runs/events', { id, limit: 1000 })).events as any[];
  t.is(stored.length, events);
  const dispatch = stored.find((e) => e.event.action === 'worker' && e.data.worker_name === 'Ada');
  const adaId = stored.find((e) => e.event.action === 'topology').data.topology.teams[0].workers[0].agent_id;
  const { page, errors } = await h.open(`#/runs/${id}`);
  t.teardown(() => page.close());
  await waitForStatus(page, 'completed');
  await page.getByTestId('time-travel-tab').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid=time-travel-shown]')?.textContent === String(n), events, { timeout: 15_000 });
  t.is(await page.getAttribute('[data-testid=time-travel-slider]', 'max'), String(events));

  const slideTo = async (n: number) => {
    await page.$eval('[data-testid=time-travel-slider]', (el: any, value: number) => {
      el.value = String(value);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, n);
    await page.waitForFunction((v) => document.querySelector('[data-testid=time-travel-shown]')?.textContent === String(v), n, { timeout: 15_000 });
  };
  const stateOf = (agentId: string) => page.getAttribute(`[data-testid=time-travel-node][data-agent="${agentId}"]`, 'data-state');
  const workerStates = () => page.$$eval('[data-testid=time-travel-node]', (els) => els.filter((e: any) => e.textContent.startsWith('worker')).map((e: any) => e.dataset.state));

  await slideTo(2);
  t.deepEqual(await workerStates(), ['idle', 'idle', 'idle'], 'early: no worker started');
  t.is(await page.textContent('[data-testid=time-travel-status]'), 'running');
  await slideTo(dispatch.sequence);
  t.is(await stateOf(adaId), 'working');
  await slideTo(events);
  t.is(await page.textContent('[data-testid=time-travel-status]'), 'completed');
  const outcomes = await page.$$eval('[data-testid=time-travel-outcome]', (els) => els.map((e: any) => e.textContent));
  t.deepEqual(outcomes, Array(6).fill('completed'));
  t.deepEqual(errors, []);
});
