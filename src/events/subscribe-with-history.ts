import type { StoredEvent } from './run-event.ts';
import type { SubscribeHandlers, Subscription } from './event-log.ts';

/** Most events per history read: a long history is never loaded whole. */
export const HISTORY_PAGE = 500;
/** Most events per history delivery (one write to an SSE client): a slow reader is not handed a whole page at once. */
export const HISTORY_SLICE = 256;
/** Most bytes of JSON (UTF-8) per history delivery, and what the size of each read aims at. */
export const HISTORY_PAGE_BYTES = 1024 * 1024;
/** Live events held for a subscriber still catching up; past this it is failed (it resumes later). */
export const MAX_CATCH_UP_BUFFER = 10_000;
/** Default byte bound of those held events (their JSON): events may carry 100k-character tasks. */
export const MAX_CATCH_UP_BYTES = 8 * 1024 * 1024;

/** The UTF-8 size of an event's JSON: what it costs in memory and on the wire, within a few bytes. */
export function jsonBytes(e: StoredEvent): number {
  return Buffer.byteLength(e.json);
}

/**
 * Delivers the stored events after `after`, page by page, awaiting `deliver` (the reader's flow
 * control) between deliveries, until a short page or `isClosed()`. A delivery holds at most
 * HISTORY_SLICE events and, unless one event alone is larger, HISTORY_PAGE_BYTES of JSON. The
 * log reads by count, so the byte bound is kept by cutting pages after the read and by sizing
 * each read from the mean event size of the page before: a history of large events is then
 * read a few events at a time instead of HISTORY_PAGE at a time.
 */
export async function deliverHistory(
  after: number,
  readPage: (after: number, limit: number) => Promise<StoredEvent[]>,
  deliver: (events: StoredEvent[]) => void | Promise<void>,
  isClosed: () => boolean,
): Promise<void> {
  let limit = HISTORY_PAGE;
  for (;;) {
    const page = await readPage(after, limit);
    if (isClosed()) return;
    let start = 0;
    let sliceBytes = 0;
    let pageBytes = 0;
    for (let i = 0; i < page.length; i++) {
      const size = jsonBytes(page[i]!);
      pageBytes += size;
      if (i > start && (i - start === HISTORY_SLICE || sliceBytes + size > HISTORY_PAGE_BYTES)) {
        await deliver(page.slice(start, i));
        if (isClosed()) return;
        start = i;
        sliceBytes = 0;
      }
      sliceBytes += size;
    }
    if (start < page.length) {
      await deliver(start === 0 ? page : page.slice(start));
      if (isClosed()) return;
    }
    if (page.length < limit) return;
    after = page[page.length - 1]!.sequence;
    limit = Math.max(1, Math.min(HISTORY_PAGE, Math.floor(HISTORY_PAGE_BYTES / Math.max(1, pageBytes / page.length))));
  }
}

/**
 * History-then-live without gap or duplicate, for any backend with a live feed: listen first
 * (buffering), read history page by page (waiting for the subscriber between pages), deliver
 * it, then the buffered and live events past the last sequence delivered. A live batch that
 * starts past the next sequence sends the subscriber back to the history for what lies between. Events published
 * before listening are in history because a log publishes only after the batch is stored.
 */
export function subscribeWithHistory(
  afterSequence: number,
  handlers: SubscribeHandlers,
  /** `gone` ends the subscription with an error (its run was deleted). */
  listen: (listener: (events: StoredEvent[]) => void, gone: (err: Error) => void) => () => void,
  readPage: (after: number, limit: number) => Promise<StoredEvent[]>,
): Subscription {
  let last = afterSequence;
  let closed = false;
  let buffered: StoredEvent[] | null = [];
  let bufferedBytes = 0;
  let bufferedLast = afterSequence;
  const maxBufferedBytes = handlers.maxCatchUpBytes ?? MAX_CATCH_UP_BYTES;
  const fail = (err: unknown) => {
    if (closed) return;
    closed = true;
    buffered = null;
    stop();
    const error = err instanceof Error ? err : new Error(String(err));
    try {
      if (handlers.onError) handlers.onError(error);
      else process.emitWarning(error, 'SubscriberError');
    } catch (second) {
      process.emitWarning(second instanceof Error ? second : new Error(String(second)), 'SubscriberError');
    }
  };
  /** Returns the subscriber's flow-control promise, if it gave one. */
  const deliver = (events: StoredEvent[]): void | Promise<void> => {
    if (events.length === 0 || closed) return;
    // The batch goes on as the same array when all of it is new (the usual live case): every
    // subscriber of a run then holds the one array the log published, and its SSE encoding.
    const fresh = events[0]!.sequence > last ? events : events.filter((e) => e.sequence > last);
    if (fresh.length === 0) return;
    last = fresh[fresh.length - 1]!.sequence;
    try {
      return handlers.onEvents(fresh);
    } catch (err) {
      // A subscriber that throws is closed; it never disturbs the log or other subscribers.
      fail(err);
    }
  };
  let caughtUpOnce = false;
  const stop = listen((events) => {
    if (events.length === 0) return;
    if (!buffered) {
      // A live batch that skips sequences (a shared feed that lost entries, e.g. a Redis that
      // restarted empty): the missing events are in the log, so catch up again from the last
      // one delivered, holding live events meanwhile. Sinks number a run's events without holes.
      if (events[0]!.sequence <= last + 1 || events[events.length - 1]!.sequence <= last) {
        deliver(events);
        return;
      }
      buffered = [];
      bufferedLast = last;
      bufferedBytes = 0;
      catchUp().catch(fail);
    }
    // A backend with two live feeds (its own appends and a shared reader) hands over the same
    // events twice: only what is past the buffer's end is kept, so the buffer stays in order.
    for (const e of events) {
      if (e.sequence <= bufferedLast) continue;
      buffered.push(e);
      bufferedLast = e.sequence;
      bufferedBytes += jsonBytes(e);
    }
    if (buffered.length > MAX_CATCH_UP_BUFFER || bufferedBytes > maxBufferedBytes) {
      fail(new Error('the subscriber fell too far behind while catching up; resume from the last event id'));
    }
  }, (err) => fail(err));
  const catchUp = async () => {
    await deliverHistory(last, readPage, deliver, () => closed);
    if (closed) return;
    // A feed that began at the log's end after this read (a shared poller) holds events past
    // what the history reached: read again, up to them (they are stored before they are fed).
    while (buffered && buffered.length > 0 && buffered[0]!.sequence > last + 1) {
      const before = last;
      await deliverHistory(last, readPage, deliver, () => closed);
      if (closed) return;
      if (last === before) break;
    }
    const pending = buffered ?? [];
    buffered = null;
    bufferedBytes = 0;
    deliver(pending);
    if (!closed && !caughtUpOnce) {
      caughtUpOnce = true;
      handlers.onCaughtUp?.();
    }
  };
  catchUp().catch(fail);
  return {
    close() {
      if (closed) return;
      closed = true;
      buffered = null;
      stop();
    },
  };
}
