import type { RunRecord } from './run-records.ts';

/**
 * What a list of runs shows of each beyond its record: wall time, summed agent time, spend and
 * agent errors, all read from the statistics the run recorded at its end (none while it runs).
 */
export interface RunSummary {
  /** Wall time, started_at to completed_at; null until the run ended (or when it never started). */
  duration_ms: number | null;
  /** The agents' model-turn time summed: more than the wall time when agents work at once. */
  agent_time_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  /** From the models' prices; null when the run recorded no cost. */
  cost_usd: number | null;
  /** Agents whose last task did not complete (failed, cancelled, timed out, budget exhausted); null: no statistics. */
  error_count: number | null;
  /** Completed, although some agent's task did not (error_count > 0). */
  completed_with_errors: boolean;
}

type Stats = Record<string, unknown> | null | undefined;

const numberOr = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** An agent whose last task ended other than completed, as its statistics name it. */
export interface AgentNotCompleted {
  agent_id: string;
  agent_name: string;
  status: string;
}

/**
 * Agents of recorded statistics (`statistics.agents[id].outcome`) whose last task ended other
 * than completed (failed, cancelled, timed out, budget exhausted); null when there are no
 * per-agent statistics (a run not ended, or ended before any agent ran). One reading for the
 * run view, the stored column the has_errors filter reads, and the CLI's summary.
 */
export function agentsNotCompleted(statistics: Stats): AgentNotCompleted[] | null {
  const agents = statistics?.agents;
  if (!agents || typeof agents !== 'object') return null;
  const found: AgentNotCompleted[] = [];
  for (const [id, agent] of Object.entries(agents as Record<string, { agent_name?: unknown; outcome?: { status?: unknown } | null } | null>)) {
    const status = agent?.outcome?.status;
    if (typeof status === 'string' && status !== 'completed') found.push({ agent_id: id, agent_name: typeof agent?.agent_name === 'string' ? agent.agent_name : id, status });
  }
  return found;
}

export function agentErrorsOf(statistics: Stats): number | null {
  return agentsNotCompleted(statistics)?.length ?? null;
}

export function runSummaryOf(r: Pick<RunRecord, 'status' | 'statistics' | 'startedAt' | 'completedAt'>): RunSummary {
  const totals = (r.statistics?.totals ?? null) as Record<string, unknown> | null;
  const errorCount = agentErrorsOf(r.statistics);
  return {
    duration_ms: r.startedAt && r.completedAt ? Math.max(0, r.completedAt.getTime() - r.startedAt.getTime()) : null,
    agent_time_ms: numberOr(totals?.duration_ms),
    input_tokens: numberOr(totals?.input_tokens),
    output_tokens: numberOr(totals?.output_tokens),
    cost_usd: numberOr(totals?.cost_usd),
    error_count: errorCount,
    completed_with_errors: r.status === 'completed' && (errorCount ?? 0) > 0,
  };
}
