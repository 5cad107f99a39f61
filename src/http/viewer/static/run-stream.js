// Follows a run's GET stream with EventSource: parsed events are handed over once per
// animation frame (so hundreds of events a second cost one render per frame), each sequence
// once. After a drop the browser reconnects by itself with Last-Event-ID; when it gives up
// (an HTTP error answer closes an EventSource for good) we reopen with the last id we hold.
// The history a run already has is read first in pages of runs/events/compact (several at
// once) and handed over in one batch: EventSource dispatches one DOM event per frame, which
// costs the browser ~0.1 ms each, so replaying 10,000 events through it took over a second.
import { call, startEarly, streamUrl, takeEarly } from './api.js';
import { expandCompactPage } from './history-page.js';

/** Every event type of the stream (README, "Events and streaming"): EventSource delivers named events only to their listeners. */
export const EVENT_TYPES = [
  'lifecycle.started', 'lifecycle.resumed', 'lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled',
  'llm.stream', 'llm.reasoning', 'llm.tool_call', 'llm.tool_result', 'llm.turn_restarted', 'llm.call_started', 'llm.call_completed',
  'dispatch.team', 'dispatch.worker', 'dispatch.team_completed', 'dispatch.worker_completed',
  'system.topology', 'system.error',
  'agent.cancelled', 'agent.steered', 'budget.warning', 'budget.exhausted', 'human.requested', 'human.responded', 'human.withdrawn',
];
const TERMINAL_TYPES = new Set(['lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled']);
const typeOf = (event) => (event ? `${event.event.category}.${event.event.action}` : '');
const MAX_BACKOFF_MS = 30_000;
const MIN_FLUSH_MS = 50;
/** runs/events' largest page; HISTORY_PARALLEL pages are asked for at once, HISTORY_FIRST in the first round. */
const HISTORY_PAGE = 1000;
const HISTORY_PARALLEL = 5;
/**
 * Each answer sends the next request from the page's main thread, which is busy evaluating the
 * viewer's modules while the first pages arrive: the first round asks for enough pages for a
 * 12,000-event run at once (the browser queues them on its connections). A short run pays a
 * few empty pages (~400 bytes each).
 */
const HISTORY_FIRST = 12;
/** Past this many events of history the stream replays the rest (the page's memory is the bound, not the API's). */
const HISTORY_MAX = 100_000;

/** runs/events(/compact)'s request for the page of HISTORY_PAGE sequences from `first`. */
const historyPageBody = (runId, first) => ({ id: runId, start_id: String(first), end_id: String(first + HISTORY_PAGE - 1), limit: HISTORY_PAGE });

/**
 * The run's stored events after `after`, in order, read in pages of sequence ranges,
 * HISTORY_FIRST at once, then HISTORY_PARALLEL in flight at a time (each answer sends the next
 * request, no waiting for a round), until a page comes back short. Sequences are dense (1..N),
 * so page k holds sequences after+k*PAGE+1 .. after+(k+1)*PAGE; pages after the first short
 * one are dropped, since a live run may have filled them after it (the stream follows from the
 * short page's end). It answers once the pages up to the short one are in: the requests still
 * out for later pages are not waited for.
 */
export async function loadHistory(settings, runId, after = 0, isStopped = () => false) {
  const pages = [];
  let next = 0;
  let firstShort = Infinity;
  const maxPages = Math.ceil(HISTORY_MAX / HISTORY_PAGE);
  const complete = () => {
    const last = Math.min(firstShort, maxPages - 1);
    for (let k = 0; k <= last; k += 1) if (pages[k] === undefined) return false;
    return true;
  };
  let settle;
  const completed = new Promise((resolve) => { settle = resolve; });
  const reader = async (_, r) => {
    // Readers past HISTORY_PARALLEL ask for one page of the first round only.
    for (let once = true; (once || r < HISTORY_PARALLEL) && next < firstShort && next < maxPages && !isStopped(); once = false) {
      const k = next++;
      // Compact rows: a token stream's history is mostly envelope, ~4x the bytes to send and decode as full events.
      const events = expandCompactPage(await call(settings, 'runs/events/compact', historyPageBody(runId, after + 1 + k * HISTORY_PAGE)));
      pages[k] = events;
      if (events.length < HISTORY_PAGE) firstShort = Math.min(firstShort, k);
      if (complete()) settle();
    }
  };
  // A failed page fails the whole read (the stream then replays); a stopped read ends as it is.
  await Promise.race([completed, Promise.all(Array.from({ length: HISTORY_FIRST }, reader))]);
  return pages.slice(0, Math.min(firstShort + 1, pages.length)).flat();
}

/** Starts reading the run's whole history now, for the followRun() of the same run and settings (boot-prefetch.js). */
export function prefetchHistory(settings, runId) {
  startEarly(settings, 'history', { runId }, () => loadHistory(settings, runId));
}

/**
 * @param {{settings: object, runId: number, onBatch: (events: object[]) => void,
 *   onStatus: (status: {state: string, reconnects: number, error?: string, failure?: Error}) => void}} options
 * @returns {() => void} stops following
 */
export function followRun({ settings, runId, onBatch, onStatus }) {
  let source;
  let lastSequence = 0;
  let pending = [];
  let frame = 0;
  let stopped = false;
  let reconnects = 0;
  let hadError = false;
  let backoffMs = 1000;
  let retryTimer;

  let lastFlush = 0;
  const flush = (now = performance.now()) => {
    frame = 0;
    if (pending.length === 0) return;
    // At most one render per MIN_FLUSH_MS: a burst of events waits a frame or two more, and the
    // page does a third of the layout work it would do drawing every frame.
    if (now - lastFlush < MIN_FLUSH_MS && !stopped) {
      frame = requestAnimationFrame(flush);
      return;
    }
    lastFlush = now;
    const batch = pending;
    pending = [];
    onBatch(batch);
  };
  const schedule = () => {
    // A hidden tab gets no animation frames; its events wait (in order) until it is shown.
    if (!frame) frame = requestAnimationFrame(flush);
  };
  const status = (state, error, failure) => onStatus({ state, reconnects, ...(error && { error }), ...(failure && { failure }) });

  const onEvent = (e) => {
    const event = JSON.parse(e.data);
    // A resumed stream starts after the id we sent; anything at or before it is a repeat.
    if (event.sequence <= lastSequence) return;
    lastSequence = event.sequence;
    pending.push(event);
    schedule();
  };

  const open = () => {
    source = new EventSource(streamUrl(settings, runId, lastSequence || undefined));
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
    source.addEventListener('open', () => {
      if (hadError) reconnects += 1;
      hadError = false;
      backoffMs = 1000;
      status('live');
    });
    source.addEventListener('close', () => {
      // The server sends `close` after the terminal event: the run is over, do not reconnect.
      source.close();
      cancelAnimationFrame(frame);
      lastFlush = 0;
      flush();
      status('ended');
    });
    source.addEventListener('error', (e) => {
      if (stopped) return;
      hadError = true;
      // `event: error` frames from the server carry data; the browser's own error events do not.
      const reported = e.data ? JSON.parse(e.data).error : undefined;
      if (source.readyState === EventSource.CONNECTING) {
        status('reconnecting', reported);
        return;
      }
      source.close();
      void reopenLater(reported);
    });
  };

  /** The browser gave up (an HTTP error answer): ask the API why; retry unless it is final. */
  const reopenLater = async (reported) => {
    try {
      await call(settings, 'runs/get', { id: runId });
    } catch (err) {
      if (err.status >= 400 && err.status < 500) {
        // Final (no key, a refused key, no such run for this tenant): the page says which.
        status('error', err.message, err);
        return;
      }
      reported ??= err.message;
    }
    status('reconnecting', reported);
    retryTimer = setTimeout(() => {
      if (!stopped) open();
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  };

  status('connecting');
  // History first, in one batch; the stream then starts after it. If reading it fails, the
  // stream replays everything and reports what is wrong (a refused key, no such run).
  (takeEarly(settings, 'history', { runId }) ?? loadHistory(settings, runId, 0, () => stopped)).then((events) => {
    if (stopped) return;
    for (const event of events) {
      if (event.sequence <= lastSequence) continue;
      lastSequence = event.sequence;
      pending.push(event);
    }
    lastFlush = 0;
    flush();
    // The run's terminal event is in its history: it is over, and there is nothing to follow.
    if (TERMINAL_TYPES.has(typeOf(events.at(-1)))) {
      stopped = true;
      status('ended');
    }
  }, (err) => {
    // Not fatal: the stream replays the history instead, and says what is wrong if it is refused too.
    console.warn(`run ${runId}: history not read (${err.message}); the stream replays it`);
  }).finally(() => {
    if (!stopped) open();
  });
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    cancelAnimationFrame(frame);
    source?.close();
  };
}
