import test from 'ava';
import { useApiHarness } from './helpers/api-harness.ts';

/**
 * The viewer's files are served by Cadre itself, without a key (they hold no data), from an
 * allowlist: the page, its modules and the vendored preact/htm ES modules, nothing else.
 */
const harness = useApiHarness('sqlite');

test('/ redirects to the viewer, whose page loads its modules through an import map', async (t) => {
  const { server } = harness();
  const root = await fetch(`${server.url}/`, { redirect: 'manual' });
  t.is(root.status, 302);
  t.is(root.headers.get('location'), '/viewer/');
  for (const path of ['/viewer/', '/viewer']) {
    const page = await fetch(server.url + path);
    t.is(page.status, 200, path);
    t.regex(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    t.regex(html, /<script type="importmap">/);
    t.regex(html, /src="\/viewer\/app\.js"/);
  }
});

test('every module the page imports is served as JavaScript, the vendored ones included', async (t) => {
  const { server } = harness();
  const seen = new Set<string>();
  const pending = ['/viewer/app.js'];
  const importMap: Record<string, string> = { preact: '/viewer/vendor/preact.mjs', 'preact/hooks': '/viewer/vendor/preact-hooks.mjs', htm: '/viewer/vendor/htm.mjs' };
  // Follow the import graph from the entry: a module that is missing or mistyped fails here, not in a browser.
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const res = await fetch(server.url + path);
    t.is(res.status, 200, path);
    t.is(res.headers.get('content-type'), 'text/javascript; charset=utf-8', path);
    t.is(res.headers.get('x-content-type-options'), 'nosniff');
    const source = await res.text();
    for (const [, specifier] of source.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[^'"]*?from\s*)?['"]([^'"]+)['"]/g)) {
      pending.push(importMap[specifier!] ?? new URL(specifier!, server.url + path).pathname);
    }
  }
  t.true(seen.size >= 10, `modules: ${[...seen].join(', ')}`);
  for (const vendor of Object.values(importMap)) t.true(seen.has(vendor), `${vendor} is imported`);
  const css = await fetch(`${server.url}/viewer/viewer.css`);
  t.is(css.status, 200);
  t.regex(css.headers.get('content-type') ?? '', /^text\/css/);
});

test('nothing outside the allowlist is served', async (t) => {
  const { server } = harness();
  for (const path of ['/viewer/viewer-routes.ts', '/viewer/..%2Fviewer-routes.ts', '/viewer/vendor/..%2F..%2F..%2Fpackage.json', '/viewer/vendor/compat.mjs', '/viewer/static/app.js']) {
    const res = await fetch(server.url + path);
    t.is(res.status, 404, path);
    t.is(((await res.json()) as { success: boolean }).success, false);
  }
});
