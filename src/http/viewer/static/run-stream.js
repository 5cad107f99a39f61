// Follows a run's GET stream with EventSource: parsed events are handed over once per
// animation frame (so hundreds of events a second cost one render per frame), each sequence
// once. After a drop the browser reconnects by itself with Last-Event-ID; when it gives up
// (an HTTP error answer closes an EventSource for good) we reopen with the last id we hold.
import { call, streamUrl } from './api.js';

/** Every event type of the stream (README, "Events and streaming"): EventSource delivers named events only to their listeners. */
export const EVENT_TYPES = [
  'lifecycle.started', 'lifecycle.resumed', 'lifecycle.completed', 'lifecycle.failed', 'lifecycle.cancelled',
  'llm.stream', 'llm.reasoning', 'llm.tool_call', 'llm.tool_result', 'llm.turn_restarted', 'llm.call_started', 'llm.call_completed',
  'dispatch.team', 'dispatch.worker', 'dispatch.team_completed', 'dispatch.worker_completed',
  'system.topology', 'system.error',
  'agent.cancelled', 'agent.steered', 'budget.warning', 'budget.exhausted', 'human.requested', 'human.responded', 'human.withdrawn',
];
const MAX_BACKOFF_MS = 30_000;
const MIN_FLUSH_MS = 50;

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
  open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    cancelAnimationFrame(frame);
    source?.close();
  };
}
