// The Cadre API as the viewer calls it: POST JSON under the prefix, the envelope unwrapped.
export const API_PREFIX = '/api/executor/v1';

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Headers every API request carries: the key (when API keys are on) and the tenant. */
export function authHeaders(settings) {
  const headers = {};
  if (settings.apiKey) headers.Authorization = `Bearer ${settings.apiKey}`;
  if (settings.tenant) headers['X-Tenant-Id'] = settings.tenant;
  return headers;
}

/**
 * Work started before the page's modules had all loaded (boot-prefetch.js: requests, the
 * history), by what it is for: each is taken once, by the first that asks the same thing, and
 * only while fresh (unclaimed for EARLY_FRESH_MS it is dropped, and a later ask starts anew).
 */
const early = new Map();
const EARLY_FRESH_MS = 5000;
const earlyKey = (settings, what, args) => JSON.stringify([settings.apiKey ?? '', settings.tenant ?? '', what, args]);

/** Starts `work()` now, for the first takeEarly(settings, what, args) within EARLY_FRESH_MS. */
export function startEarly(settings, what, args, work) {
  const key = earlyKey(settings, what, args);
  const entry = { answer: work() };
  // Unclaimed, its failure is nobody's: whoever takes it handles it.
  entry.answer.catch(() => {});
  early.set(key, entry);
  setTimeout(() => {
    if (early.get(key) === entry) early.delete(key);
  }, EARLY_FRESH_MS);
}

/** The promise startEarly began for the same thing, once; undefined if there is none (or it went stale). */
export function takeEarly(settings, what, args) {
  const key = earlyKey(settings, what, args);
  const entry = early.get(key);
  if (!entry) return undefined;
  early.delete(key);
  return entry.answer;
}

/** Starts `call(settings, action, body)` now, for the call() that asks the same within EARLY_FRESH_MS. */
export function prefetch(settings, action, body = {}) {
  startEarly(settings, action, body, () => send(settings, action, body));
}

/** POSTs `{resource}/{action}`; answers the envelope's `data`, throws ApiError on an error envelope. */
export function call(settings, action, body = {}) {
  return takeEarly(settings, action, body) ?? send(settings, action, body);
}

async function send(settings, action, body) {
  const res = await fetch(`${API_PREFIX}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...authHeaders(settings) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new ApiError(`${action}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
  }
  if (!res.ok || answer.success === false) {
    throw new ApiError(answer.error ?? `${action}: HTTP ${res.status}`, res.status, answer.error_code);
  }
  return answer.data;
}

/**
 * The GET stream URL for EventSource, which cannot set headers: the key and tenant ride as
 * query parameters (`access_token`, `tenantId`), and a resume point as `last_event_id` (the
 * browser sends the Last-Event-ID header itself only on its own reconnects). `action`: which
 * stream (runs/stream, or runs/inspect/stream).
 */
export function streamUrl(settings, runId, lastEventId, action = 'runs/stream') {
  const params = new URLSearchParams({ id: String(runId) });
  if (settings.apiKey) params.set('access_token', settings.apiKey);
  if (settings.tenant) params.set('tenantId', settings.tenant);
  if (lastEventId) params.set('last_event_id', String(lastEventId));
  return `${API_PREFIX}/${action}?${params}`;
}
