import test from 'ava';
import { TraceService } from '../src/services/trace-service.ts';
import type { EventLog } from '../src/events/event-log.ts';
import type { RunRecord } from '../src/domain/run-records.ts';
import type { TenantRepositories } from '../src/domain/repositories.ts';
import { toStoredEvent, type StoredEvent } from '../src/events/run-event.ts';
import { NotFoundError } from '../src/errors/app-error.ts';

/** TraceService's own part: the trace link, the 404 for an unknown span, its span detail. */
const traceId = '0af7651916cd43dd8448eb211c80319c';
const record = (traceIdOf: string | null): RunRecord => ({
  id: 3, tenantId: 't', hierarchyId: 'h', threadId: null, threadQueued: false, task: 'x', status: 'completed', result: 'ok', error: null, errorCode: null,
  budget: null, metadata: null, statistics: null, topologySnapshot: null, traceId: traceIdOf, startedAt: null, completedAt: null, createdAt: new Date(0),
  owner: null, resumes: [], pendingInputs: [], waitingSince: null,
});
const events: StoredEvent[] = [
  toStoredEvent({ run_id: 3, timestamp: '2026-01-01T00:00:00.000Z', sequence: 1, source: null, event: { category: 'lifecycle', action: 'started' }, data: { task: 'x' } }),
  toStoredEvent({ run_id: 3, timestamp: '2026-01-01T00:00:01.000Z', sequence: 2, source: null, event: { category: 'lifecycle', action: 'completed' }, data: { result: 'ok' } }),
];
function logReading(reads: number[]): EventLog {
  return { read: async (_id: number, range: { from?: number } = {}) => { reads.push(range.from ?? 1); return events.filter((e) => e.sequence >= (range.from ?? 1)); } } as unknown as EventLog;
}
const repos = {} as TenantRepositories;

test('trace_url: the template with the run\'s trace id; null without a template or a trace id', async (t) => {
  const withTemplate = (id: string | null) => new TraceService({ getRun: async () => record(id), eventLog: logReading([]), traceUrlTemplate: 'http://jaeger.test/trace/{trace_id}' });
  t.like(await withTemplate(traceId).trace(repos, 3), { trace_id: traceId, trace_url: `http://jaeger.test/trace/${traceId}`, status: 'completed' });
  t.like(await withTemplate(null).trace(repos, 3), { trace_id: null, trace_url: null });
  const without = new TraceService({ getRun: async () => record(traceId), eventLog: logReading([]) });
  const trace = await without.trace(repos, 3);
  t.like(trace, { trace_id: traceId, trace_url: null, ended_at: '2026-01-01T00:00:01.000Z' });
  t.deepEqual(trace.spans.map((s) => [s.span_id, s.status, s.duration_ms]), [['run', 'ok', 1000]]);
});

test('a span the run does not have is 404 SPAN_NOT_FOUND naming span_id; one it has answers with its detail', async (t) => {
  const reads: number[] = [];
  const traces = new TraceService({ getRun: async () => record(null), eventLog: logReading(reads) });
  const err = await t.throwsAsync(traces.span(repos, 3, 'call:nobody#1'), { instanceOf: NotFoundError, message: /^span_id: / });
  t.is((err as NotFoundError).errorCode, 'SPAN_NOT_FOUND');
  const run = await traces.span(repos, 3, "run");
  t.true(reads.length > 0);
  t.like(run.detail, { task: 'x', result: 'ok' });
});
