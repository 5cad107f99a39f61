// The runs list's filters: status, hierarchy, creation dates, text and "with errors". They live
// in the URL hash (#/?status=failed&q=sales, #/threads/<id>?from=2026-01-01), so a filtered
// list can be reloaded, bookmarked and shared; each maps to a runs/list field.
import { html } from './format.js';
import { useEffect, useState } from 'preact/hooks';

export const STATUSES = ['pending', 'running', 'waiting_input', 'completed', 'failed', 'cancelled'];
const KEYS = ['status', 'hierarchy', 'from', 'to', 'q', 'errors'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** runs/list bounds `q` at 200 characters. */
const MAX_TEXT = 200;
/** Typing waits this long before the list is asked again. */
const TEXT_DEBOUNCE_MS = 300;

/** The filters in a hash's query (`#/…?status=…`); unknown or malformed values are dropped. */
export function filtersOf(hash) {
  const at = hash.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const filters = {};
  const status = params.get('status');
  if (status && STATUSES.includes(status)) filters.status = status;
  const hierarchy = params.get('hierarchy');
  if (hierarchy) filters.hierarchy = hierarchy.slice(0, 64);
  for (const key of ['from', 'to']) {
    const day = params.get(key);
    if (day && DATE.test(day)) filters[key] = day;
  }
  const q = params.get('q')?.trim();
  if (q) filters.q = q.slice(0, MAX_TEXT);
  if (params.get('errors') === '1') filters.errors = true;
  return filters;
}

/** The hash of the list (`base`: `#/` or `#/threads/<id>`) with these filters. */
export function hashWith(base, filters) {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    if (filters[key] === true) params.set(key, '1');
    else if (filters[key]) params.set(key, filters[key]);
  }
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

/** A local calendar day as the instant it begins (the `to` day counts whole: up to the next one's start). */
function dayStart(day, plusDays = 0) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The runs/list fields for these filters. */
export function listBody(filters) {
  return {
    ...(filters.status && { status: filters.status }),
    ...(filters.hierarchy && { hierarchy_id: filters.hierarchy }),
    ...(filters.from && { created_after: dayStart(filters.from) }),
    ...(filters.to && { created_before: dayStart(filters.to, 1) }),
    ...(filters.q && { q: filters.q }),
    ...(filters.errors && { has_errors: true }),
  };
}

export function FilterBar({ filters, hierarchies, onChange }) {
  const [text, setText] = useState(filters.q ?? '');
  useEffect(() => {
    const wanted = text.trim();
    if (wanted === (filters.q ?? '')) return undefined;
    const timer = setTimeout(() => onChange({ ...filters, q: wanted || undefined }), TEXT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, filters]);
  const set = (key) => (e) => onChange({ ...filters, [key]: e.currentTarget.value || undefined });
  const any = Object.keys(filters).length > 0;
  return html`<div class="run-filters" data-testid="run-filters">
    <label>status <select data-testid="status-filter" value=${filters.status ?? ''} onChange=${set('status')}>
      <option value="">all</option>
      ${STATUSES.map((s) => html`<option key=${s} value=${s}>${s}</option>`)}
    </select></label>
    <label>hierarchy <select data-testid="hierarchy-filter" value=${filters.hierarchy ?? ''} onChange=${set('hierarchy')}>
      <option value="">all</option>
      ${hierarchies.map((h) => html`<option key=${h.id} value=${h.id}>${h.name}</option>`)}
      ${filters.hierarchy && !hierarchies.some((h) => h.id === filters.hierarchy) && html`<option value=${filters.hierarchy}>${filters.hierarchy}</option>`}
    </select></label>
    <label>from <input type="date" data-testid="from-filter" value=${filters.from ?? ''} max=${filters.to} onChange=${set('from')}/></label>
    <label>to <input type="date" data-testid="to-filter" value=${filters.to ?? ''} min=${filters.from} onChange=${set('to')}/></label>
    <label>text <input type="search" data-testid="text-filter" placeholder="task or run id" maxlength=${MAX_TEXT} value=${text}
      onInput=${(e) => setText(e.currentTarget.value)}/></label>
    <label title="failed, or completed while some agent did not"><input type="checkbox" data-testid="errors-filter" checked=${filters.errors === true}
      onChange=${(e) => onChange({ ...filters, errors: e.currentTarget.checked || undefined })}/> with errors</label>
    ${any && html`<button type="button" class="link" data-testid="filters-clear" onClick=${() => { setText(''); onChange({}); }}>clear filters</button>`}
  </div>`;
}
