// The viewer's entry: settings, the hash route (route.js) and the pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './format.js';
import { loadSettings, SettingsBox } from './settings.js';
import { RunsPage } from './runs-page.js';
import { RunPage } from './run-page.js';
import { LazyPart } from './lazy-module.js';
import { routeOf } from './route.js';

/** The compare page is loaded when it is first opened. */
const loadComparePage = () => import('./compare-page.js');

function App() {
  const [settings, setSettings] = useState(loadSettings);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const openSettings = () => {
    setSettingsOpen(true);
    // The box is in the header: bring it into view and put the cursor in the key field.
    requestAnimationFrame(() => document.querySelector('.settings input[name=apiKey]')?.focus());
  };
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    // Every hashchange is a navigation (the list's own filter changes replace the hash without one): `visit` remounts the list.
    const onHash = () => setRoute((was) => ({ ...routeOf(location.hash), visit: (was.visit ?? 0) + 1 }));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return html`<div class="app">
    <header class="top">
      <h1><a href="#/">Cadre</a> <span class="muted">runs</span></h1>
      <${SettingsBox} settings=${settings} open=${settingsOpen} onOpen=${openSettings} onClose=${() => setSettingsOpen(false)} onSave=${setSettings}/>
    </header>
    <main>
      ${route.runId
        // Keyed by run and settings: another run or another key/tenant starts a fresh page.
        ? html`<${RunPage} key=${`${route.runId}:${settings.tenant}:${settings.apiKey}`} settings=${settings} runId=${route.runId} onOpenSettings=${openSettings}/>`
        // The list too: rows fetched with the previous key must not stay on screen under the next one.
        : route.compare
          ? html`<${LazyPart} key=${`${route.compare.join('/')}:${settings.tenant}:${settings.apiKey}`} load=${loadComparePage} name="ComparePage" label="the compare page" props=${{ settings, ids: route.compare, onOpenSettings: openSettings }}/>`
          // A link, a hash edited by hand, back or forward start the list afresh, with the hash's filters.
          : html`<${RunsPage} key=${`${route.threadId}:${route.visit ?? 0}:${settings.tenant}:${settings.apiKey}`} settings=${settings} threadId=${route.threadId} onOpenSettings=${openSettings}/>`}
    </main>
  </div>`;
}

const root = document.getElementById('app');
// The boot message is static HTML, not Preact's: render does not replace what it did not render.
root.textContent = '';
render(html`<${App}/>`, root);
