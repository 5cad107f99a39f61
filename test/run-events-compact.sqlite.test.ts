import test from 'ava';
import { uniqueTenant } from './helpers/api-harness.ts';
import { compactEventPageJson } from '../src/http/compact-event-page.ts';
import { useRunHarness } from './suites/sse-suite.ts';

/**
 * runs/events/compact: the page runs/events answers, as rows the viewer expands (its own
 * history-page.js) back into exactly the events runs/events lists; same paging, same errors,
 * same tenancy.
 */
const { expandCompactPage } = await import(new URL('../src/http/viewer/static/history-page.js', import.meta.url).href);
const harness = useRunHarness('sqlite');

test('a compact page expands into the events runs/events lists, field for field, and is smaller', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('compact');
  const api = h.api(t, tenant);
  const runId = await h.start(api, await h.hierarchy(api, 0), 'Summarise the Q3 sales trends');
  await h.stream(runId, { headers: { 'x-tenant-id': tenant } });
  for (const range of [{ start_id: '-', end_id: '+', limit: 1000 }, { start_id: '5', end_id: '+', limit: 7 }, { start_id: '3', end_id: '9', limit: 1000 }]) {
    const fullRes = await api.post('runs/events', { id: runId, ...range });
    const compactRes = await api.post('runs/events/compact', { id: runId, ...range });
    const full = fullRes.body.data;
    const compact = compactRes.body.data;
    t.true(full.events.length > 0, JSON.stringify(range));
    t.deepEqual(expandCompactPage(compact), full.events, JSON.stringify(range));
    t.like(compact, { run_id: runId, count: full.count, has_more: full.has_more, next_id: full.next_id });
    t.true(compact.types.length > 0);
    if (range.limit === 1000 && range.end_id === '+') {
      // The whole run: events of the run itself (no source) and of several agents, each source listed once.
      t.true(compact.events.some((row: unknown[]) => row[2] === -1));
      t.true(compact.types.length >= 5);
      t.true(compact.sources.length >= 3);
      t.is(new Set(compact.sources.map((s: { agent_id: string }) => s.agent_id)).size, compact.sources.length);
      t.true(compactRes.text.length * 2 < fullRes.text.length, `${compactRes.text.length} vs ${fullRes.text.length} bytes`);
    }
  }
});

test('runs/events/compact refuses what runs/events refuses: a malformed id names its field, another tenant\'s run is 404', async (t) => {
  const h = harness();
  const tenant = uniqueTenant('compact-errors');
  const api = h.api(t, tenant);
  const runId = await h.start(api, await h.hierarchy(api, 0));
  await h.stream(runId, { headers: { 'x-tenant-id': tenant } });
  await api.fails('runs/events/compact', { id: runId, start_id: 'x-1' }, 400, 'start_id', 'INVALID_EVENT_ID');
  await api.fails('runs/events/compact', { id: runId, limit: 1001 }, 400, 'limit');
  await api.as(uniqueTenant('other')).fails('runs/events/compact', { id: runId }, 404, undefined, 'RUN_NOT_FOUND');
  await api.fails('runs/events/compact', { id: 987_654_321 }, 404, undefined, 'RUN_NOT_FOUND');
});

test('a timestamp that epoch milliseconds would not give back, and fields beyond the envelope, travel as they are', (t) => {
  const events = [
    { run_id: 7, timestamp: '2026-03-14T09:26:53.611Z', sequence: 1, source: null, event: { category: 'lifecycle', action: 'started' }, data: { task: 'x' } },
    { run_id: 7, timestamp: '2026-03-14T09:26:53.611123Z', sequence: 2, source: { agent_id: 'a', agent_type: 'worker', agent_name: 'A', team_name: 'T' }, event: { category: 'llm', action: 'stream' }, data: { content: 'hi' }, trace_id: 'abc' },
    { run_id: 8, timestamp: 'not a date', sequence: 3, source: { agent_id: 'a', agent_type: 'worker', agent_name: 'A', team_name: 'T' }, event: { category: 'llm', action: 'stream' }, data: { content: '!' } },
  ];
  const page = JSON.parse(compactEventPageJson({
    run_id: 7, count: 3, has_more: false, next_id: null,
    events: events.map((e) => ({ sequence: e.sequence, category: e.event.category, action: e.event.action, json: JSON.stringify(e) })),
  }));
  t.is(typeof page.events[0][1], 'number');
  t.is(page.events[1][1], '2026-03-14T09:26:53.611123Z');
  t.is(page.sources.length, 1);
  t.deepEqual(page.types, ['lifecycle.started', 'llm.stream']);
  t.deepEqual(expandCompactPage(page), events.map((e) => ({ id: String(e.sequence), ...e })));
});
