// A page of runs/events/compact back as the events runs/events lists: `{id, run_id, timestamp,
// sequence, source, event: {category, action}, data}` and any other field the event had. The
// page's source and type objects are shared by its events (the viewer never mutates an event).
// No imports: boot-prefetch.js's graph reads history before the libraries are here.

/** @returns {object[]} the page's events, oldest first */
export function expandCompactPage(page) {
  const types = page.types.map((type) => {
    const dot = type.indexOf('.');
    return { category: type.slice(0, dot), action: type.slice(dot + 1) };
  });
  return page.events.map(([sequence, timestamp, source, type, data, rest]) => ({
    id: String(sequence),
    run_id: page.run_id,
    timestamp: typeof timestamp === 'number' ? new Date(timestamp).toISOString() : timestamp,
    sequence,
    source: source < 0 ? null : page.sources[source],
    event: types[type],
    data,
    ...rest,
  }));
}
