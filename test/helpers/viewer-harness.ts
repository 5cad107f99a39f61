import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { composeService, type ComposeOptions, type Service } from '../../src/compose.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../../src/http/tenant.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './backends.ts';
import { serve, type TestServer } from './http-client.ts';
import { sampleHierarchyInput } from './fixtures.ts';
import { collectUntilClose } from './sse-client.ts';
import { within } from './within-deadline.ts';
import { ApiKeyService } from '../../src/services/api-key-service.ts';

// Functions handed to page.waitForFunction run in the browser, where it exists (no DOM lib here).
declare const document: any;

/** One stream request the server received: its Last-Event-ID and the response (to cut it). */
export interface StreamRequest {
  url: string;
  lastEventId: string | undefined;
  res: ServerResponse;
}

export interface ViewerHarness {
  server: TestServer;
  service: Service;
  browser: Browser;
  /** Stream requests in arrival order. */
  streamRequests: StreamRequest[];
  /** Resolves once `count` stream requests have arrived; rejects after `ms`. */
  streamRequestsReach(count: number, ms?: number): Promise<void>;
  /** A page at `hash` of the viewer; page errors fail `errors`. */
  open(hash?: string): Promise<{ page: Page; errors: string[] }>;
  post(action: string, body: unknown, as?: Caller): Promise<any>;
  /** A simulated model of this pace and a two-team hierarchy (Ada with the calculator) on it. */
  hierarchy(params: Record<string, unknown>, as?: Caller, overrides?: Record<string, unknown>): Promise<{ id: string; name: string }>;
  /** Runs a task to its end through the API; answers the run id and its event count. */
  runToEnd(hierarchyId: string, task: string, as?: Caller): Promise<{ id: number; events: number }>;
  /** A new API key bound to `tenant`, made in the service's own database (for `apiKeys: 'required'`). */
  createKey(tenant: string): Promise<string>;
}

/** Who the harness calls the API as: a tenant (the X-Tenant-Id header, API keys off) or an API key. */
export type Caller = string | { key: string };

function callerHeaders(as: Caller | undefined): Record<string, string> {
  if (as === undefined) return {};
  return typeof as === 'string' ? { 'x-tenant-id': as } : { authorization: `Bearer ${as.key}` };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CADRE_TEST_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // As root in a container there is no sandbox; the rest keeps Chromium off the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The composed service on a SQLite file, served on an ephemeral port, and headless Chromium. */
export function useViewerHarness(options: ComposeOptions = {}): () => ViewerHarness {
  let db: TestDatabase | undefined;
  let service: Service | undefined;
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let harness: ViewerHarness | undefined;
  // Serial, so that a test file's own serial before hook (seeding through the harness) runs after it.
  test.serial.before(async () => {
    db = await createTestDatabase('sqlite');
    await db.store.seedDefaults(DEFAULT_TENANT);
    service = composeService(db.store, { database: db.config, sseHeartbeatMs: 1000, ...options });
    server = await serve(service.app);
    browser = await launchChromium();
    const streamRequests: StreamRequest[] = [];
    const waiters: Array<{ count: number; resolve: () => void }> = [];
    server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith(`${API_PREFIX}/runs/stream`)) {
        const header = req.headers['last-event-id'];
        streamRequests.push({ url: req.url, lastEventId: Array.isArray(header) ? header[0] : header, res });
        for (const w of waiters.filter((x) => streamRequests.length >= x.count)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    const url = server.url;
    const post = async (action: string, body: unknown, as?: Caller) => {
      const res = await fetch(`${url}${API_PREFIX}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...callerHeaders(as) },
        body: JSON.stringify(body),
      });
      const answer = await res.json() as any;
      if (!answer.success) throw new Error(`${action}: ${res.status} ${JSON.stringify(answer)}`);
      return answer.data;
    };
    const b = browser;
    const keys = new ApiKeyService(db.store.apiKeys);
    harness = {
      server, service, browser, streamRequests, post,
      streamRequestsReach(count, ms = 20_000) {
        if (streamRequests.length >= count) return Promise.resolve();
        return within(new Promise<void>((resolve) => { waiters.push({ count, resolve }); }), ms, `${count} stream requests`);
      },
      async open(hash = '#/') {
        const page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        await page.goto(`${url}/viewer/${hash}`);
        return { page, errors };
      },
      async hierarchy(params, as, overrides = {}) {
        const model = await post('models/create', { name: uniqueName('viewer-sim'), model_id: 'sim', provider: 'simulated', params }, as);
        const llm_config = { model_id: model.id };
        const h = sampleHierarchyInput({ name: uniqueName('viewer-h') });
        const created = await post('hierarchies/create', {
          ...h, ...overrides,
          global_supervisor_agent: { ...h.global_supervisor_agent, llm_config },
          teams: h.teams.map((team, i) => ({
            ...team,
            team_supervisor_agent: { ...team.team_supervisor_agent, llm_config },
            workers: team.workers.map((w, j) => ({ ...w, llm_config, ...(i === 0 && j === 0 && { tools: ['calculator'] }) })),
          })),
        }, as);
        return { id: created.id as string, name: created.name as string };
      },
      async runToEnd(hierarchyId, task, as) {
        const run = await post('runs/start', { hierarchy_id: hierarchyId, task }, as);
        // The stream is a GET: a key rides as access_token, a tenant as tenantId.
        const who = as === undefined ? '' : typeof as === 'string' ? `&tenantId=${encodeURIComponent(as)}` : `&access_token=${encodeURIComponent(as.key)}`;
        const stream = await collectUntilClose(`${url}${API_PREFIX}/runs/stream?id=${run.id}${who}`);
        return { id: run.id as number, events: stream.frames.filter((f) => f.id !== undefined).length };
      },
      async createKey(tenant) {
        return (await keys.create(tenant, 'viewer test')).key;
      },
    };
  });
  test.after.always(async () => {
    await browser?.close();
    await server?.close();
    await service?.stop(5000);
    await db?.drop();
  });
  return () => {
    if (!harness) throw new Error('the viewer harness did not start');
    return harness;
  };
}

/** Widens the timeline to its largest window (it shows the newest 200 rows by default). */
export async function showAllRows(page: Page): Promise<void> {
  await page.getByTestId('filter-limit').selectOption('5000');
}

/** The sequences the page's timeline shows, in its order (newest first). */
export function timelineSequences(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=timeline-row]', (rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
}

/** Waits until the page shows run status `status` (deadline `timeoutMs`). */
export async function waitForStatus(page: Page, status: string, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('[data-testid=run-status]')?.textContent === s, status, { timeout: timeoutMs });
}
