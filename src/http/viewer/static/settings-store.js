// The viewer's connection settings (API key, tenant) as kept in this browser's localStorage.
// No imports: boot-prefetch.js reads them before the rest of the viewer has loaded.
const STORAGE_KEY = 'cadre.viewer.settings';

/** @returns {{ apiKey: string, tenant: string }} */
export function loadSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return { apiKey: String(saved.apiKey ?? ''), tenant: String(saved.tenant ?? '') };
  } catch {
    // A hand-edited or foreign value is not worth failing the page over: start with none.
    return { apiKey: '', tenant: '' };
  }
}

export function saveSettings(settings) {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ apiKey: settings.apiKey.trim(), tenant: settings.tenant.trim() }));
}
