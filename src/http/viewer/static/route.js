// The viewer's hash routes: #/ the runs, #/threads/<id> a thread's runs (either with ?filters,
// see run-filters.js), #/runs/<id> one run, #/compare/<a>/<b> two runs side by side.
// No imports: boot-prefetch.js reads the route before the rest of the viewer has loaded.

/** @returns {{runId: number|null, threadId: string|null, compare: [number, number]|null}} */
export function routeOf(hash) {
  // The query (the list's filters) is read by the list itself.
  const path = hash.split('?')[0];
  const run = /^#\/runs\/(\d+)$/.exec(path);
  if (run) return { runId: Number(run[1]), threadId: null, compare: null };
  const compare = /^#\/compare\/(\d+)\/(\d+)$/.exec(path);
  if (compare) return { runId: null, threadId: null, compare: [Number(compare[1]), Number(compare[2])] };
  const thread = /^#\/threads\/([0-9a-fA-F-]{36})$/.exec(path);
  return { runId: null, threadId: thread ? thread[1] : null, compare: null };
}
