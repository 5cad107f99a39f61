// What the pages show when the API refuses the viewer's key (or its absence): with API keys on,
// the page's files load without a key but every bit of data needs one, so a bare "HTTP 401"
// in a corner would leave a first-time user with an empty page and no idea why.
import { html } from './format.js';

/** A refusal that a key (or another key / tenant) in the settings box would fix: 401, or 403 TENANT_MISMATCH. */
export function isAuthError(err) {
  return err?.status === 401 || (err?.status === 403 && err.code === 'TENANT_MISMATCH');
}

export function AuthNotice({ error, settings, onOpenSettings }) {
  const title = error.status === 403
    ? 'API key refused for this tenant'
    : settings.apiKey ? 'API key refused' : 'API key needed';
  const advice = error.status === 403
    ? 'The key is bound to another tenant than the one in the settings: clear the tenant there (the key decides it) or use that tenant’s key.'
    : settings.apiKey
      ? 'The key in the settings is unknown, revoked or mistyped: enter a valid one there.'
      : 'This server requires an API key: enter yours in the settings box (⚙ at the top right). `cadre keys create --tenant <tenant>` makes one.';
  return html`<section class="card auth-notice" data-testid="auth-notice" data-status=${error.status} role="alert">
    <header><strong data-testid="auth-title">${title}</strong> <span class="muted">HTTP ${error.status}${error.code ? ` ${error.code}` : ''}</span></header>
    <p data-testid="auth-message">${error.message}</p>
    <p>${advice}</p>
    <button type="button" data-testid="auth-open-settings" onClick=${onOpenSettings}>Open settings</button>
  </section>`;
}
