// The viewer's settings box (API key, tenant); settings-store.js keeps them in localStorage.
import { html } from './format.js';
import { useState } from 'preact/hooks';
import { saveSettings } from './settings-store.js';

export { loadSettings, saveSettings } from './settings-store.js';

/**
 * The small settings box: edits a draft, applies it on Save. Whether it is open is the app's
 * state, so a page that was refused (see auth-notice.js) can open it.
 */
export function SettingsBox({ settings, open, onOpen, onClose, onSave }) {
  if (!open) {
    // With a key and no tenant the server acts for the key's tenant, not `default`.
    const tenant = settings.tenant ? `tenant ${settings.tenant}` : settings.apiKey ? "the key's tenant" : 'default tenant';
    const summary = `${tenant}${settings.apiKey ? ' · key set' : ''}`;
    return html`<div class="settings"><button class="link" data-testid="settings-open" onClick=${onOpen}>⚙ ${summary}</button></div>`;
  }
  return html`<${SettingsForm} settings=${settings} onClose=${onClose} onSave=${onSave}/>`;
}

/** The open form; its draft starts from the saved settings each time it is opened. */
function SettingsForm({ settings, onClose, onSave }) {
  const [draft, setDraft] = useState(settings);
  const save = (e) => {
    e.preventDefault();
    const next = { apiKey: draft.apiKey.trim(), tenant: draft.tenant.trim() };
    saveSettings(next);
    onSave(next);
    onClose();
  };
  return html`<form class="settings open" onSubmit=${save} data-testid="settings-form">
    <label>API key <input type="password" name="apiKey" autocomplete="off" value=${draft.apiKey}
      onInput=${(e) => setDraft({ ...draft, apiKey: e.currentTarget.value })} placeholder="none (API keys off)"/></label>
    <label>Tenant <input name="tenant" value=${draft.tenant} pattern="[A-Za-z0-9_.\\-]{1,64}"
      onInput=${(e) => setDraft({ ...draft, tenant: e.currentTarget.value })} placeholder="default (with a key: the key's)"/></label>
    <button type="submit">Save</button>
    <button type="button" class="link" onClick=${onClose}>Close</button>
  </form>`;
}
