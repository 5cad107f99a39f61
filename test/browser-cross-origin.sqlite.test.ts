import test from 'ava';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createTestDatabase, uniqueName, type TestDatabase } from './helpers/backends.ts';
import { buildService } from './helpers/api-harness.ts';
import { serve, type TestServer } from './helpers/http-client.ts';
import type { Service } from '../src/compose.ts';
import { DEFAULT_TENANT } from '../src/http/tenant.ts';
import { EVENT_DATA } from '../src/http/event-schemas.ts';

/**
 * A real browser on another origin, as the original's users had it: a page served from one
 * port starts a run on Cadre (another port, so another origin: a CORS preflight for the JSON
 * POST) and follows it with EventSource to the end. With CORS narrowed to other origins, the
 * same page is refused by the browser.
 */
let db: TestDatabase;
let browser: Browser;
const servers: Array<{ close(): Promise<void> }> = [];
const services: Service[] = [];

test.before(async () => {
  db = await createTestDatabase('sqlite');
  await db.store.seedDefaults(DEFAULT_TENANT);
  browser = await chromium.launch({
    executablePath: process.env.CADRE_TEST_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // As root in a container there is no sandbox; the rest keeps Chromium off the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
test.after.always(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
  for (const s of services) await s.stop(1000);
  await db?.drop();
});

async function cadre(corsOrigins?: string[]): Promise<TestServer> {
  const service = buildService(db, corsOrigins ? { corsOrigins } : {});
  services.push(service);
  const server = await serve(service.app);
  servers.push(server);
  return server;
}

/** The page: starts a run with fetch (JSON, so preflighted), then follows it with EventSource. */
function pageHtml(api: string, hierarchyId: string): string {
  // Every event type the API documents: EventSource delivers a named event only to its own listener.
  const types = Object.keys(EVENT_DATA);
  return `<!doctype html><html><body><script>
  window.result = { events: [], done: false, error: null };
  fetch(${JSON.stringify(`${api}/runs/start`)}, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tenant-id': 'default' },
    body: JSON.stringify({ hierarchy_id: ${JSON.stringify(hierarchyId)}, task: 'Follow me from another origin' }) })
    .then((res) => res.json())
    .then((answer) => {
      const source = new EventSource(${JSON.stringify(`${api}/runs/stream?id=`)} + answer.data.id);
      for (const type of ${JSON.stringify(types)}) source.addEventListener(type, (e) => window.result.events.push({ type, id: e.lastEventId, data: JSON.parse(e.data) }));
      source.addEventListener('close', () => { source.close(); window.result.done = true; });
    })
    .catch((err) => { window.result.error = String(err); window.result.done = true; });
  </script></body></html>`;
}

async function pageServer(html: string): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function hierarchyOn(server: TestServer): Promise<string> {
  const model = await server.post('/api/executor/v1/models/create', { name: uniqueName('browser'), model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 2, reply_tokens: 5 } });
  const llm = { model_id: model.body.data.id };
  const created = await server.post('/api/executor/v1/hierarchies/create', {
    name: uniqueName('browser-h'), global_supervisor_agent: { system_prompt: 'g', llm_config: llm },
    teams: [{ name: 'T', team_supervisor_agent: { system_prompt: 's', llm_config: llm }, workers: [{ name: 'W', role: 'r', system_prompt: 'w', llm_config: llm }] }],
  });
  return created.body.data.id as string;
}

test('a browser page on another origin starts a run and follows it with EventSource to the end', async (t) => {
  const server = await cadre();
  const page = await browser.newPage();
  t.teardown(() => page.close());
  const url = await pageServer(pageHtml(`${server.url}/api/executor/v1`, await hierarchyOn(server)));
  t.not(new URL(url).origin, new URL(server.url).origin, 'the page is on another origin');
  await page.goto(url);
  await page.waitForFunction('window.result.done', undefined, { timeout: 60_000 });
  const result: any = await page.evaluate('window.result');
  t.is(result.error, null);
  t.true(result.events.length > 0);
  t.deepEqual(result.events.map((e: any) => Number(e.id)), result.events.map((_: unknown, i: number) => i + 1));
  t.is(result.events[0].type, 'lifecycle.started');
  t.is(result.events.at(-1).type, 'lifecycle.completed');
  t.true(result.events.some((e: any) => e.type === 'llm.stream'));
});

test('with CORS narrowed to other origins, the browser refuses the page its answers', async (t) => {
  const server = await cadre(['https://app.example.test']);
  const page = await browser.newPage();
  t.teardown(() => page.close());
  await page.goto(await pageServer(pageHtml(`${server.url}/api/executor/v1`, await hierarchyOn(server))));
  await page.waitForFunction('window.result.done', undefined, { timeout: 60_000 });
  const result: any = await page.evaluate('window.result');
  t.regex(String(result.error), /TypeError|Failed to fetch/);
  t.is(result.events.length, 0);
});
