// The viewer's entry: settings, a hash route (#/ the runs, #/threads/<id> a thread's runs, #/runs/<id> one run) and the pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './format.js';
import { loadSettings, SettingsBox } from './settings.js';
import { RunsPage } from './runs-page.js';
import { RunPage } from './run-page.js';

function routeOf(hash) {
  const run = /^#\/runs\/(\d+)$/.exec(hash);
  if (run) return { runId: Number(run[1]), threadId: null };
  // #/threads/<id>: the runs list filtered to one thread.
  const thread = /^#\/threads\/([0-9a-fA-F-]{36})$/.exec(hash);
  return { runId: null, threadId: thread ? thread[1] : null };
}

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
    const onHash = () => setRoute(routeOf(location.hash));
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
        : html`<${RunsPage} key=${`${route.threadId}:${settings.tenant}:${settings.apiKey}`} settings=${settings} threadId=${route.threadId} onOpenSettings=${openSettings}/>`}
    </main>
  </div>`;
}

const root = document.getElementById('app');
// The boot message is static HTML, not Preact's: render does not replace what it did not render.
root.textContent = '';
render(html`<${App}/>`, root);
