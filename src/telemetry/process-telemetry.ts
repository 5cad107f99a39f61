import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { providerLabel, toolLabel, type CadreMetrics } from './metrics.ts';
import type { AgentInfo, BudgetScopeKind, CallSpan, ModelInfo, ModelUsage, RunTelemetry, SpanRef, Telemetry, ToolInfo } from './run-telemetry.ts';

/** OpenTelemetry GenAI semantic-convention attribute names (still "development" status, so spelled here). */
const GEN_AI = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  /** The older name of gen_ai.provider.name, still read by many backends. */
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  errorType: 'error.type',
} as const;
const RUN_ID = 'cadre.run_id';

type CallOutcome = 'ok' | 'error' | 'cancelled';

/** Cadre's provider names as the GenAI conventions spell the well-known ones. */
const PROVIDER_NAMES: Record<string, string> = { bedrock: 'aws.bedrock' };

/** Metrics always; traces when a tracer is given (OTEL_* settings), else no span is ever made. */
export class ProcessTelemetry implements Telemetry {
  readonly #metrics: CadreMetrics;
  readonly #tracer: Tracer | null;

  constructor(metrics: CadreMetrics, tracer: Tracer | null) {
    this.#metrics = metrics;
    this.#tracer = tracer;
  }

  forRun(run: { runId: number; tenantId: string; hierarchyId: string }): RunTelemetry {
    this.#metrics.runsStarted.inc();
    return new MeasuredRun(this.#metrics, this.#tracer, run);
  }
}

class MeasuredRun implements RunTelemetry {
  readonly traceId: string | null = null;
  readonly runSpan: SpanRef | null = null;
  readonly #metrics: CadreMetrics;
  readonly #tracer: Tracer | null = null;
  readonly #runId: number;
  readonly #root: Span | null = null;
  /** Agent turns not yet ended, by span id: a run that is stopped ends them with it. */
  readonly #openTurns = new Map<string, Span>();

  constructor(metrics: CadreMetrics, tracer: Tracer | null, run: { runId: number; tenantId: string; hierarchyId: string }) {
    this.#metrics = metrics;
    this.#runId = run.runId;
    if (!tracer) return;
    const root = tracer.startSpan(`run ${run.runId}`, {
      kind: SpanKind.INTERNAL,
      attributes: { [RUN_ID]: run.runId, 'cadre.tenant_id': run.tenantId, 'cadre.hierarchy_id': run.hierarchyId },
    }, ROOT_CONTEXT);
    // A run the sampler left out is not traced at all: its children would otherwise start traces of their own.
    if (!root.isRecording()) return;
    this.#tracer = tracer;
    this.#root = root;
    const { traceId, spanId } = root.spanContext();
    this.traceId = traceId;
    this.runSpan = { traceId, spanId };
  }

  #start(name: string, parent: SpanRef | null, attributes: Attributes, kind: SpanKind = SpanKind.INTERNAL): Span | null {
    if (!this.#tracer) return null;
    const at = parent ?? this.runSpan!;
    // The parent is named explicitly (plain data handed down the actor tree), never taken from ambient context.
    const parentContext = trace.setSpanContext(ROOT_CONTEXT, { traceId: at.traceId, spanId: at.spanId, traceFlags: TraceFlags.SAMPLED });
    return this.#tracer.startSpan(name, { kind, attributes: { [RUN_ID]: this.#runId, ...attributes } }, parentContext);
  }

  startAgentTurn(parent: SpanRef | null, agent: AgentInfo): SpanRef | null {
    const span = this.#start(`invoke_agent ${agent.name}`, parent, {
      [GEN_AI.operation]: 'invoke_agent', [GEN_AI.agentId]: agent.agentId, [GEN_AI.agentName]: agent.name,
      'cadre.agent_type': agent.agentType, ...(agent.teamName !== null && { 'cadre.team_name': agent.teamName }),
    });
    if (!span) return null;
    const { traceId, spanId } = span.spanContext();
    this.#openTurns.set(spanId, span);
    return { traceId, spanId };
  }

  endAgentTurn(turn: SpanRef | null, error?: string): void {
    if (!turn) return;
    const span = this.#openTurns.get(turn.spanId);
    if (!span) return;
    this.#openTurns.delete(turn.spanId);
    endSpan(span, error);
  }

  modelCall(parent: SpanRef | null, agent: AgentInfo, model: ModelInfo): CallSpan {
    const provider = PROVIDER_NAMES[model.provider] ?? model.provider;
    const span = this.#start(`chat ${model.modelId}`, parent, {
      [GEN_AI.operation]: 'chat', [GEN_AI.provider]: provider, [GEN_AI.system]: provider, [GEN_AI.requestModel]: model.modelId,
      [GEN_AI.agentId]: agent.agentId, [GEN_AI.agentName]: agent.name,
    }, SpanKind.CLIENT);
    const started = performance.now();
    const metrics = this.#metrics;
    // The model's id goes to the span (the operator's trace backend), never to a metric label.
    const labels = { provider: providerLabel(model.provider) };
    let ended = false;
    const end = (outcome: CallOutcome) => {
      if (ended) return false;
      ended = true;
      metrics.modelCalls.inc({ ...labels, outcome });
      if (outcome !== 'cancelled') metrics.modelSeconds.observe(labels, (performance.now() - started) / 1000);
      return true;
    };
    return {
      ok(usage?: ModelUsage) {
        if (!end('ok')) return;
        if (usage) {
          metrics.modelTokens.inc({ ...labels, type: 'input' }, usage.inputTokens);
          metrics.modelTokens.inc({ ...labels, type: 'output' }, usage.outputTokens);
          if (usage.costUsd) metrics.modelCost.inc(labels, usage.costUsd);
          span?.setAttributes({ [GEN_AI.inputTokens]: usage.inputTokens, [GEN_AI.outputTokens]: usage.outputTokens });
        }
        if (span) endSpan(span);
      },
      fail(error: string) {
        if (!end('error')) return;
        metrics.errors.inc({ kind: 'MODEL_CALL' });
        if (span) endSpan(span, error);
      },
      cancelled() {
        if (end('cancelled') && span) endCancelled(span);
      },
    };
  }

  toolCall(parent: SpanRef | null, tool: ToolInfo, toolCallId: string): CallSpan {
    const span = this.#start(`execute_tool ${tool.name}`, parent, {
      [GEN_AI.operation]: 'execute_tool', [GEN_AI.toolName]: tool.name, [GEN_AI.toolCallId]: toolCallId,
    });
    const metrics = this.#metrics;
    const label = toolLabel(tool.name, tool.viaMcp);
    let ended = false;
    const end = (outcome: CallOutcome, error?: string) => {
      if (ended) return;
      ended = true;
      metrics.toolCalls.inc({ tool: label, outcome });
      if (outcome === 'error') metrics.errors.inc({ kind: 'TOOL_CALL' });
      if (!span) return;
      if (outcome === 'cancelled') endCancelled(span);
      else endSpan(span, error);
    };
    return { ok: () => end('ok'), fail: (error) => end('error', error), cancelled: () => end('cancelled') };
  }

  budgetExhausted(scope: BudgetScopeKind): void {
    this.#metrics.budgetExhausted.inc({ scope });
  }

  endRun(status: 'completed' | 'failed' | 'cancelled', error?: string | null): void {
    this.#metrics.runsFinished.inc({ status });
    if (status === 'failed') this.#metrics.errors.inc({ kind: 'RUN_FAILED' });
    // Turns of agents stopped with the run (cancelled, timed out) end with it.
    for (const span of this.#openTurns.values()) endCancelled(span);
    this.#openTurns.clear();
    if (!this.#root) return;
    this.#root.setAttribute('cadre.run_status', status);
    endSpan(this.#root, status === 'failed' ? (error ?? 'failed') : undefined);
  }
}

/** A call or turn cut short because its run was stopped: not an error of its own. */
function endCancelled(span: Span): void {
  span.setAttribute('cadre.cancelled', true);
  span.end();
}

function endSpan(span: Span, error?: string): void {
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.setAttribute(GEN_AI.errorType, '_OTHER');
  }
  span.end();
}
