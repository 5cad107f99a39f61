import type { z } from 'zod';
import { NotFoundError } from '../errors/app-error.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { RunRecord } from '../domain/run-records.ts';
import type { runTraceAnswerSchema, runTraceSpanAnswerSchema } from '../domain/trace-schemas.ts';
import type { EventLog } from '../events/event-log.ts';
import { TraceBuilder } from '../events/trace-builder.ts';
import type { RunTrace, TraceSpan } from '../events/trace-span.ts';
import { spanDetailCollector, type SpanDetail } from '../events/trace-span-detail.ts';
import { eventPages } from './run-history.ts';

export type RunTraceAnswer = RunTrace & { run_id: number; status: RunRecord['status']; trace_id: string | null; trace_url: string | null };
export interface SpanAnswer {
  run_id: number;
  span: TraceSpan;
  detail: SpanDetail;
}

// The answers are what the OpenAPI schemas document: checked here, where both are known.
type Documented<S extends z.ZodType, T> = T extends z.output<S> ? T : never;
export type CheckedTrace = Documented<typeof runTraceAnswerSchema, RunTraceAnswer>;
export type CheckedSpan = Documented<typeof runTraceSpanAnswerSchema, SpanAnswer>;

export interface TraceServiceDeps {
  /** The run, for the tenant (404 RUN_NOT_FOUND otherwise): runs/get's own look-up. */
  getRun(repos: TenantRepositories, id: number): Promise<RunRecord>;
  eventLog: EventLog;
  /** TRACE_URL_TEMPLATE (`{trace_id}` replaced); absent: no link. */
  traceUrlTemplate?: string;
  maxSpans?: number;
}

/**
 * A run's trace, built from its stored events whichever process runs it (or ran it): the log is
 * read a page at a time into the builder, so a long run costs the spans it makes, not its events.
 */
export class TraceService {
  readonly #deps: TraceServiceDeps;

  constructor(deps: TraceServiceDeps) {
    this.#deps = deps;
  }

  async trace(repos: TenantRepositories, id: number): Promise<CheckedTrace> {
    const run = await this.#deps.getRun(repos, id);
    const trace = await this.#build(run);
    return { run_id: run.id, status: run.status, trace_id: run.traceId, trace_url: this.#urlOf(run.traceId), ...trace };
  }

  /** One span and its detail (the call's whole input and output, the tool's arguments and result, …). */
  async span(repos: TenantRepositories, id: number, spanId: string): Promise<CheckedSpan> {
    const run = await this.#deps.getRun(repos, id);
    const span = (await this.#build(run)).spans.find((s) => s.span_id === spanId);
    if (!span) throw new NotFoundError(`span_id: run ${id} has no span "${spanId}"`, 'SPAN_NOT_FOUND');
    const collector = spanDetailCollector(span);
    for await (const page of eventPages(this.#deps.eventLog, run.id, collector.from)) {
      collector.add(page);
      if (collector.done) break;
    }
    return { run_id: run.id, span, detail: collector.result() };
  }

  async #build(run: RunRecord): Promise<RunTrace> {
    const builder = new TraceBuilder({ topology: run.topologySnapshot, ...(this.#deps.maxSpans !== undefined && { maxSpans: this.#deps.maxSpans }) });
    for await (const page of eventPages(this.#deps.eventLog, run.id)) builder.add(page);
    return builder.result();
  }

  #urlOf(traceId: string | null): string | null {
    const template = this.#deps.traceUrlTemplate;
    return template && traceId ? template.replaceAll('{trace_id}', encodeURIComponent(traceId)) : null;
  }
}
