import type { RunEvent } from '../../events/run-event.ts';
import { followRunEvents, type RunFeedSource } from '../../events/run-event-feed.ts';
import type { PolledRunFeeds } from '../../events/polled-run-feeds.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import type { RunRecord } from '../../domain/run-records.ts';
import { unprocessable } from './lg-errors.ts';
import { LgFrameMapper, type LgEvent } from './lg-frames.ts';
import type { LgMessage, StreamMode } from './lg-views.ts';

/** One SSE event of a LangGraph stream. */
export interface LgFrame {
  id: string;
  event: string;
  data: unknown;
}

/**
 * Where a stream resumes: after frame `index` of the Cadre event `sequence` (Infinity: after all
 * of its frames). A frame's SSE id is the sequence of the Cadre event it comes from — `N` for its
 * last frame (most events make one), `N.k` for frame k of several — so `Last-Event-ID: N` resumes
 * at event N+1 and `N.k` at frame k+1 of event N: no gap and no duplicate, whichever frame the
 * connection dropped after. The `metadata` frame every stream begins with is event 0; `-1` (or no
 * Last-Event-ID) replays the whole run.
 */
export interface Cursor {
  sequence: number;
  index: number;
}

export const FROM_START: Cursor = { sequence: -1, index: Infinity };

export function cursorOf(lastEventId: string | undefined): Cursor {
  const raw = (lastEventId ?? '').trim();
  if (raw === '' || raw === '-1') return FROM_START;
  const match = /^(\d{1,15})(?:\.(\d{1,6}))?$/.exec(raw);
  if (!match) throw unprocessable('Last-Event-ID: must be an id this stream sent (N or N.k), or -1');
  return { sequence: Number(match[1]), index: match[2] === undefined ? Infinity : Number(match[2]) };
}

/** How often a run that asked a human is looked at until it parks (its record says waiting_input; no event does). */
const PARK_POLL_MS = 250;

export interface LgStreamRequest {
  run: RunRecord;
  /** The thread's conversation before this run (what `values` begins with). */
  prior: LgMessage[];
  modes: readonly StreamMode[];
  subgraphs: boolean;
  cursor: Cursor;
  signal?: AbortSignal;
}

/**
 * A run as a LangGraph stream: `metadata`, then the mapped events of the modes asked, until the
 * run ended or waits for a human. The run is mapped from its first event whatever the cursor
 * (the mapping carries state from event to event); frames up to the cursor are not sent.
 * Closing the generator stops following; the run is not affected.
 */
export async function* lgRunFrames(
  source: RunFeedSource, polledFeeds: PolledRunFeeds | undefined, repos: TenantRepositories, request: LgStreamRequest,
): AsyncGenerator<LgFrame, void, undefined> {
  const { run, cursor } = request;
  const mapper = new LgFrameMapper(run, request.prior, request.modes, request.subgraphs);
  function* framed(sequence: number, events: LgEvent[]): Generator<LgFrame> {
    for (const [index, e] of events.entries()) {
      if (sequence < cursor.sequence || (sequence === cursor.sequence && index <= cursor.index)) continue;
      yield { id: index === events.length - 1 ? String(sequence) : `${sequence}.${index}`, event: e.event, data: e.data };
    }
  }
  yield* framed(0, [mapper.metadata()]);
  let last = 0;
  let openAsks = 0;
  const feed = followRunEvents(source, polledFeeds, repos, run.id, 0, {
    ...(request.signal && { signal: request.signal }),
    idleMs: () => (openAsks > 0 ? PARK_POLL_MS : undefined),
  });
  for await (const item of feed) {
    if (item.kind === 'aborted') return;
    if (item.kind === 'idle') {
      // Parked for a human: its requests were streamed as they came; the stream is over (as LangGraph's at an interrupt).
      if ((await source.get(repos, run.id)).status === 'waiting_input') return;
      continue;
    }
    if (item.kind === 'over') return yield* framed(last + 1, mapper.final(await source.get(repos, run.id), last));
    for (const stored of item.events) {
      last = stored.sequence;
      if (stored.category === 'human') openAsks = Math.max(0, openAsks + (stored.action === 'requested' ? 1 : -1));
      yield* framed(stored.sequence, mapper.map(JSON.parse(stored.json) as RunEvent));
      if (mapper.ended) return;
    }
  }
}
