// Small shared helpers for presenting data: the htm binding and text formatting.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

export function formatAge(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function formatDuration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

// One formatter for the page: Number#toLocaleString builds one per call, which showed in profiles.
const numbers = new Intl.NumberFormat('en');

export function formatNumber(n) {
  return n == null ? '–' : numbers.format(Number(n));
}

/** One line of at most `max` characters for a table cell. */
export function clip(text, max = 160) {
  const full = String(text ?? '');
  // Only the head is flattened: a run's result can be tens of KB, and a page clips it on every render.
  const head = full.length > max * 4 ? full.slice(0, max * 4) : full;
  let flat = head.replace(/\s+/g, ' ').trim();
  if (head !== full && flat.length <= max) flat = full.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
