import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import type Router from '@koa/router';
import { NotFoundError } from '../../errors/app-error.ts';

/** Where the viewer is served; `/` redirects here. */
export const VIEWER_PATH = '/viewer/';

const JS = 'text/javascript; charset=utf-8';
const staticDir = join(dirname(fileURLToPath(import.meta.url)), 'static');
/** The ES module a package exports for `import` (what Node resolves is what the browser gets). */
const moduleFile = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

/**
 * Every file the viewer may be served, by its URL name. An allowlist, not a directory
 * listing: a request names a key of this map, never a path on disk, so nothing else can be
 * read through it. The vendored libraries are served as the ES modules their packages ship
 * (the page's import map names them), so there is no bundle and no build step.
 */
/** Loaded by import() when their panel is first opened (lazy-module.js): served, never preloaded. */
const LAZY_MODULES = ['compare-page.js', 'inspector-tab.js', 'inspect-stream.js', 'state-chart.js', 'stately-inspector.js', 'time-travel.js', 'span-detail.js'];
const script = (name: string) => [name, { file: join(staticDir, name), type: JS }] as const;
const assets: Record<string, { file: string; type: string }> = {
  // boot-prefetch.js's graph first (the order of the modulepreload links): no library in it.
  ...Object.fromEntries(['boot-prefetch.js', 'api.js', 'settings-store.js', 'route.js', 'run-stream.js', 'history-page.js'].map(script)),
  'vendor/preact.mjs': { file: moduleFile('preact'), type: JS },
  'vendor/preact-hooks.mjs': { file: moduleFile('preact/hooks'), type: JS },
  'vendor/htm.mjs': { file: moduleFile('htm'), type: JS },
  'index.html': { file: join(staticDir, 'index.html'), type: 'text/html; charset=utf-8' },
  'viewer.css': { file: join(staticDir, 'viewer.css'), type: 'text/css; charset=utf-8' },
  'inspector.css': { file: join(staticDir, 'inspector.css'), type: 'text/css; charset=utf-8' },
  'trace.css': { file: join(staticDir, 'trace.css'), type: 'text/css; charset=utf-8' },
  ...Object.fromEntries(['settings.js', 'format.js', 'lazy-module.js', 'app.js', 'auth-notice.js', 'run-model.js', 'runs-page.js', 'run-page.js',
    'agent-tree.js', 'agent-cards.js', 'timeline.js', 'run-stats.js', 'agent-controls.js', 'agent-spend.js', 'spend-rows.js',
    'pending-inputs.js', 'thread-turns.js', 'run-figures.js', 'run-filters.js', 'run-again.js', 'inspect-panel.js', 'trace-waterfall.js',
    ...LAZY_MODULES].map(script)),
};

/**
 * index.html with a modulepreload link for every module a page needs when it opens: the browser
 * fetches them all at once instead of discovering them import by import (four levels deep, a
 * round trip each). The lazy ones are left to their import().
 */
async function indexHtml(): Promise<string> {
  const page = await readFile(assets['index.html']!.file, 'utf8');
  const links = Object.entries(assets).filter(([name, asset]) => asset.type === JS && !LAZY_MODULES.includes(name))
    .map(([name]) => `<link rel="modulepreload" href="${VIEWER_PATH}${name}">`).join('\n');
  return page.replace('<!-- modulepreload -->', links);
}

/**
 * The built-in run viewer: static files only. They hold no data (every run, model and
 * hierarchy is fetched by the page through the API, with the caller's key and tenant), so
 * they are served without a key.
 */
export function mountViewerRoutes(router: Router): void {
  router.get('/', (ctx) => ctx.redirect(VIEWER_PATH));
  const serveAsset = async (ctx: Context, name: string) => {
    const asset = assets[name];
    if (!asset) throw new NotFoundError(`no viewer file ${name}`);
    ctx.type = asset.type;
    // Revalidated on every load: a restarted service with a new viewer must not run stale modules.
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = name === 'index.html' ? await indexHtml() : await readFile(asset.file);
  };
  // The router is not strict about a trailing slash: this answers `/viewer` and `/viewer/` (the page uses absolute URLs).
  router.get('/viewer', (ctx) => serveAsset(ctx, 'index.html'));
  router.get(`${VIEWER_PATH}:file`, (ctx) => serveAsset(ctx, ctx.params.file!));
  router.get(`${VIEWER_PATH}vendor/:file`, (ctx) => serveAsset(ctx, `vendor/${ctx.params.file!}`));
}
