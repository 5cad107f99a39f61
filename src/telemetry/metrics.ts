import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { providers } from '../domain/model-schemas.ts';
import { isErrorCode } from '../errors/error-codes.ts';
import { builtinToolSource } from '../tools/tool-registry.ts';

/** Live figures read when Prometheus scrapes, rather than kept up to date on every change. */
export interface MetricSources {
  /** Runs executing now (not waiting for a slot). */
  runningRuns(): number;
  queuedRuns(): number;
  /** SSE streams open in this process. */
  sseStreams(): number;
}

/**
 * Counts of the per-event paths, as plain integers: the writer and the SSE bridge add a batch's
 * size (one integer add per batch, no label lookup, no allocation) and the Prometheus counters
 * catch up from them when scraped.
 */
export interface EventCounts {
  appended: number;
  delivered: number;
}

/**
 * Label values come from closed sets only (providers, built-in tool names, outcomes, our error
 * codes), never from a string a tenant chose — a model's name or id, an MCP server's or tool's
 * name: /metrics is read by the operator across tenants, and a free label would both disclose
 * one tenant's names and grow series without bound.
 */
const PROVIDERS: ReadonlySet<string> = new Set(providers);
const BUILTIN_TOOLS: ReadonlySet<string> = new Set(builtinToolSource.names);
/** Kinds counted by the runtime itself, beside the HTTP error codes. */
const RUNTIME_ERROR_KINDS: ReadonlySet<string> = new Set(['MODEL_CALL', 'TOOL_CALL', 'EVENT_APPEND', 'RUN_FAILED']);

/** A provider label: Cadre's provider name, `other` for anything outside the provider enum. */
export function providerLabel(provider: string): string {
  return PROVIDERS.has(provider) ? provider : 'other';
}

/** A tool label: `mcp` for any MCP tool, a built-in tool's name, else `unknown` (a name a model made up). */
export function toolLabel(name: string, viaMcp: boolean): string {
  if (viaMcp) return 'mcp';
  return BUILTIN_TOOLS.has(name) ? name : 'unknown';
}

/** An error-kind label: one of our error codes or runtime kinds, else `other`. */
export function errorKindLabel(kind: string): string {
  return isErrorCode(kind) || RUNTIME_ERROR_KINDS.has(kind) ? kind : 'other';
}

/**
 * This process's Prometheus metrics, in a registry of its own (so two services in one process,
 * as in tests, never share counters). Each process of a deployment serves its own `/metrics`;
 * Prometheus tells them apart by its `instance` target label, so no process label is added here.
 */
export class CadreMetrics {
  readonly registry = new Registry();
  readonly events: EventCounts = { appended: 0, delivered: 0 };
  readonly runsStarted: Counter;
  readonly runsFinished: Counter<'status'>;
  readonly appendSeconds: Histogram;
  readonly modelCalls: Counter<'provider' | 'outcome'>;
  readonly modelSeconds: Histogram<'provider'>;
  readonly modelTokens: Counter<'provider' | 'type'>;
  readonly modelCost: Counter<'provider'>;
  readonly budgetExhausted: Counter<'scope'>;
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly errors: Counter<'kind'>;
  readonly checkpointBytes: Histogram;
  readonly checkpointSeconds: Histogram;
  readonly runResumes: Counter<'outcome'>;
  #sources: MetricSources = { runningRuns: () => 0, queuedRuns: () => 0, sseStreams: () => 0 };

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const sources = () => this.#sources;
    this.runsStarted = new Counter({ name: 'cadre_runs_started_total', help: 'Runs that began executing in this process', registers });
    this.runsFinished = new Counter({
      name: 'cadre_runs_finished_total', help: 'Runs that ended in this process, by final status', labelNames: ['status'], registers,
    });
    new Gauge({
      name: 'cadre_runs_active', help: 'Runs executing now in this process', registers,
      collect() {
        this.set(sources().runningRuns());
      },
    });
    new Gauge({
      name: 'cadre_runs_queued', help: 'Runs waiting for a slot (MAX_CONCURRENT_RUNS) in this process', registers,
      collect() {
        this.set(sources().queuedRuns());
      },
    });
    new Gauge({
      name: 'cadre_sse_subscribers', help: 'SSE event streams open now in this process', registers,
      collect() {
        this.set(sources().sseStreams());
      },
    });
    catchUpCounter(registers, 'cadre_events_appended_total', 'Run events appended to the event log', () => this.events.appended);
    catchUpCounter(registers, 'cadre_events_delivered_total', 'Run events written to SSE subscribers', () => this.events.delivered);
    this.appendSeconds = new Histogram({
      name: 'cadre_event_log_append_seconds', help: 'Latency of one event-log append (a batch of events)', registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.modelCalls = new Counter({
      name: 'cadre_model_calls_total', help: 'Model calls, by provider and outcome (ok, error, cancelled)',
      labelNames: ['provider', 'outcome'], registers,
    });
    this.modelSeconds = new Histogram({
      name: 'cadre_model_call_duration_seconds', help: 'Duration of a model call (streamed to its end), by provider',
      labelNames: ['provider'], registers, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    });
    this.modelTokens = new Counter({
      name: 'cadre_model_tokens_total', help: 'Tokens of model calls, by provider and type (input, output)',
      labelNames: ['provider', 'type'], registers,
    });
    this.modelCost = new Counter({
      name: 'cadre_model_cost_usd_total', help: "Cost of model calls in USD, from the prices on their model rows (unpriced models add 0), by provider",
      labelNames: ['provider'], registers,
    });
    this.budgetExhausted = new Counter({
      name: 'cadre_budget_exhausted_total', help: 'Budgets that ran out, by scope (run, team, agent)',
      labelNames: ['scope'], registers,
    });
    this.toolCalls = new Counter({
      name: 'cadre_tool_calls_total',
      help: "Workers' tool calls, by tool (a built-in tool's name, mcp for any MCP server's tool, unknown) and outcome (ok, error, cancelled)",
      labelNames: ['tool', 'outcome'], registers,
    });
    this.errors = new Counter({
      name: 'cadre_errors_total',
      help: 'Errors by kind: an HTTP error code (VALIDATION_ERROR, INTERNAL_ERROR, …), MODEL_CALL, TOOL_CALL, EVENT_APPEND, RUN_FAILED; other for any other',
      labelNames: ['kind'], registers,
    });
    this.checkpointBytes = new Histogram({
      name: 'cadre_checkpoint_bytes', help: "Size of a run's stored checkpoint (its actor tree's persisted snapshot)", registers,
      buckets: [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
    });
    this.checkpointSeconds = new Histogram({
      name: 'cadre_checkpoint_seconds', help: 'Latency of storing one checkpoint', registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.runResumes = new Counter({
      name: 'cadre_run_resumes_total',
      help: "Runs of a lost process taken over here, by outcome: resumed, handed_off (this process gave it up at shutdown), failed (policy fail, max_resumes reached, or not resumable)",
      labelNames: ['outcome'], registers,
    });
  }

  /** Counts an error under its kind (an error code or runtime kind; `other` for anything else). */
  countError(kind: string): void {
    this.errors.inc({ kind: errorKindLabel(kind) });
  }

  /** Where the gauges read from; set once the runtime and the SSE slots exist. */
  bindSources(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A counter that follows a plain integer kept elsewhere, brought up to date at each scrape. */
function catchUpCounter(registers: Registry[], name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name, help, registers,
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}
