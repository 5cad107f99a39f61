import { z } from 'zod';
import { eventSourceSchema } from './event-schemas.ts';
import type { EventPage } from '../services/run-history.ts';

/**
 * runs/events/compact: the same page as runs/events, each event a row that names its source and
 * type by index into the page's `sources` and `types`, its timestamp as epoch milliseconds (when
 * that gives back the stored text exactly), and no run_id (the page's). A token-by-token stream
 * is mostly its envelope: a 10,000-event history is ~4x smaller this way (2.99 MB to 0.75 MB for a 10,284-event run), which is what a browser
 * decodes on its main thread. Expanding a row gives back the event runs/events lists, field for
 * field (the viewer's history-page.js does).
 */
const ENVELOPE_KEYS = new Set(['run_id', 'timestamp', 'sequence', 'source', 'event', 'data']);

export const compactEventPageSchema = z.object({
  run_id: z.number(),
  sources: z.array(eventSourceSchema).meta({ description: 'The sources of this page\'s events, each once; a row names one by its index (-1: the run itself, source null)' }),
  types: z.array(z.string()).meta({ description: '`<category>.<action>` of this page\'s events, each once; a row names one by its index' }),
  events: z.array(z.tuple([
    z.number().meta({ description: 'sequence (the id is its decimal text)' }),
    z.union([z.number(), z.string()]).meta({ description: 'timestamp: epoch milliseconds (its ISO text is the stored timestamp), or the stored text itself' }),
    z.number().int().meta({ description: 'index into sources, -1 for none' }),
    z.number().int().meta({ description: 'index into types' }),
    z.record(z.string(), z.unknown()).meta({ description: "the event's data" }),
  ], z.record(z.string(), z.unknown())).meta({ description: '[sequence, timestamp, source, type, data], and an object of any other field the event has' })),
  count: z.number(), has_more: z.boolean(), next_id: z.string().nullable(),
});

/** The page as runs/events/compact's JSON `data`. */
export function compactEventPageJson(page: Omit<EventPage, 'events'> & { events: ReadonlyArray<{ sequence: number; category: string; action: string; json: string }> }): string {
  const sources = new Map<string, number>();
  const types = new Map<string, number>();
  const indexOf = (table: Map<string, number>, key: string) => {
    let index = table.get(key);
    if (index === undefined) table.set(key, index = table.size);
    return index;
  };
  const rows = page.events.map((stored) => {
    const event = JSON.parse(stored.json) as Record<string, unknown> & { timestamp: string; source: unknown; data: unknown };
    const ms = Date.parse(event.timestamp);
    const timestamp = Number.isFinite(ms) && new Date(ms).toISOString() === event.timestamp ? ms : event.timestamp;
    const source = event.source === null ? -1 : indexOf(sources, JSON.stringify(event.source));
    const row: unknown[] = [stored.sequence, timestamp, source, indexOf(types, `${stored.category}.${stored.action}`), event.data];
    let rest: Record<string, unknown> | undefined;
    for (const key of Object.keys(event)) {
      // (A stored event always has its page's run_id; one that had another would keep it here.)
      if (!ENVELOPE_KEYS.has(key) || (key === 'run_id' && event.run_id !== page.run_id)) (rest ??= {})[key] = event[key];
    }
    if (rest) row.push(rest);
    return JSON.stringify(row);
  });
  return `{"run_id":${page.run_id},"sources":[${[...sources.keys()].join(',')}],"types":${JSON.stringify([...types.keys()])},`
    + `"events":[${rows.join(',')}],"count":${page.count},"has_more":${page.has_more},"next_id":${JSON.stringify(page.next_id)}}`;
}
