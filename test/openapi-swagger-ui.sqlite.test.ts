import test from 'ava';
import { useViewerHarness } from './helpers/viewer-harness.ts';
import { allApiRoutes } from './helpers/api-routes.ts';

/**
 * Swagger UI as a newcomer uses it, in headless Chromium: "Try it out" fills each body with the
 * route's first example, never with a gateway field (the issue: a sample carrying `tenantId`
 * moved requests into a tenant named "string"), and the SSE answer shows its frames.
 */
const harness = useViewerHarness();
const routes = allApiRoutes();

test('"Try it out" bodies are the first examples, without tenantId, traceId or userId; the stream shows its frames', async (t) => {
  const { browser, server } = harness();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${server.url}/swagger-ui.html`);
  await page.waitForSelector('.opblock', { timeout: 20_000 });
  const checked: string[] = [];
  for (const [tag, id, path] of [['models', 'modelsCreate', '/models/create'], ['runs', 'runsStart', '/runs/start'], ['runs', 'runsCancel', '/runs/cancel'], ['secrets', 'secretsList', '/secrets/list']] as const) {
    const op = page.locator(`#operations-${tag}-${id}`);
    await op.locator('.opblock-summary').click();
    await op.locator('.try-out__btn').click();
    const body = await op.locator('textarea.body-param__text').inputValue({ timeout: 10_000 });
    t.notRegex(body, /tenantId|traceId|userId/, id);
    t.deepEqual(JSON.parse(body), routes.find((r) => r.path === path)!.examples![0]!.request, id);
    checked.push(id);
  }
  t.is(checked.length, 4);
  const stream = page.locator('#operations-runs-runsStreamGet');
  await stream.locator('.opblock-summary').click();
  const shown = await stream.locator('.responses-wrapper').innerText({ timeout: 10_000 });
  t.regex(shown, /text\/event-stream/);
  t.regex(shown, /event: lifecycle\.started\ndata: \{"run_id":42/);
  t.deepEqual(errors, []);
  await page.close();
});
