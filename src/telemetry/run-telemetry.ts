/**
 * What a run's actors report to metrics and traces: one object per run, handed down the actor
 * tree in spawn inputs (never found through ambient state). Spans are addressed by `SpanRef`,
 * plain data an actor passes to its children (in a TASK or an invoke input) so their spans nest
 * under its own. With telemetry off every method is a no-op and every ref is null.
 */

/** A span's address as plain data: trace id (32 hex digits) and span id (16 hex digits). */
export interface SpanRef {
  traceId: string;
  spanId: string;
}

/** The agent a turn belongs to (a subset of AgentPlan, so this module needs no actor types). */
export interface AgentInfo {
  agentId: string;
  agentType: string;
  name: string;
  teamName: string | null;
}

export interface ModelInfo {
  /** Cadre's provider name (`simulated`, `openai`, `anthropic`, `bedrock`, …). */
  provider: string;
  /** The provider's model identifier. */
  modelId: string;
}

/** The tool a worker's model asked for: its name as the model gave it, and whether an MCP server serves it. */
export interface ToolInfo {
  name: string;
  viaMcp: boolean;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  /** USD, from the model's prices (0 or absent: unpriced). */
  costUsd?: number;
}

/** A budget's scope as a metric label: a closed set (never a team's name or an agent's id). */
export type BudgetScopeKind = 'run' | 'team' | 'agent';

/** One model call or tool call in flight: ended exactly once, by the function that started it. */
export interface CallSpan {
  /** The call succeeded; a model call reports its usage. */
  ok(usage?: ModelUsage): void;
  fail(error: string): void;
  /** Aborted because its run was stopped (cancel, time limit): neither a success nor an error. */
  cancelled(): void;
}

export interface RunTelemetry {
  /** The run's trace id (null when tracing is off). */
  readonly traceId: string | null;
  /** The run's root span, parent of the global supervisor's turns (null when tracing is off). */
  readonly runSpan: SpanRef | null;
  /** An agent takes up a task: its turn span, under `parent` (the run, or the delegating supervisor's turn). */
  startAgentTurn(parent: SpanRef | null, agent: AgentInfo): SpanRef | null;
  endAgentTurn(turn: SpanRef | null, error?: string): void;
  modelCall(parent: SpanRef | null, agent: AgentInfo, model: ModelInfo): CallSpan;
  toolCall(parent: SpanRef | null, tool: ToolInfo, toolCallId: string): CallSpan;
  /** A budget of the run ran out (counted once per scope and limit). */
  budgetExhausted(scope: BudgetScopeKind): void;
  /** The run ended: counts its status, ends its span and any turn a stopped agent left open. */
  endRun(status: 'completed' | 'failed' | 'cancelled', error?: string | null): void;
}

/** Process-wide telemetry: one RunTelemetry per run started here. */
export interface Telemetry {
  forRun(run: { runId: number; tenantId: string; hierarchyId: string }): RunTelemetry;
}

const noCall: CallSpan = { ok: () => {}, fail: () => {}, cancelled: () => {} };

export const noRunTelemetry: RunTelemetry = {
  traceId: null,
  runSpan: null,
  startAgentTurn: () => null,
  endAgentTurn: () => {},
  modelCall: () => noCall,
  toolCall: () => noCall,
  budgetExhausted: () => {},
  endRun: () => {},
};

export const noTelemetry: Telemetry = { forRun: () => noRunTelemetry };
