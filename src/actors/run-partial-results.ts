import type { AnyActorRef } from 'xstate';
import { labelOf, type AgentPlan } from './run-plan.ts';

interface AgentSnapshotLike {
  context?: { agent?: AgentPlan; lastResult?: unknown; outcome?: { partial_output?: unknown } | null };
  children?: Record<string, AnyActorRef | undefined>;
}

/**
 * What a run stopped before its end (its own budget spent) had produced: the latest answer of
 * each team (its supervisor's), or of each of its workers when the team had not answered yet,
 * labelled as the original labels agents. Null when no agent had answered.
 */
export function partialResultsOf(globalSupervisor: AnyActorRef | undefined): string | null {
  const parts: string[] = [];
  const answerOf = (snapshot: AgentSnapshotLike | undefined): string | null => {
    // Its last answer, else what its last task produced before it stopped (a team whose budget ran out).
    for (const text of [snapshot?.context?.lastResult, snapshot?.context?.outcome?.partial_output]) {
      if (typeof text === 'string' && text.trim() !== '') return text;
    }
    return null;
  };
  const global = globalSupervisor?.getSnapshot() as AgentSnapshotLike | undefined;
  for (const team of Object.values(global?.children ?? {})) {
    const snapshot = team?.getSnapshot() as AgentSnapshotLike | undefined;
    const agent = snapshot?.context?.agent;
    if (!agent) continue;
    const answer = answerOf(snapshot);
    if (answer) {
      parts.push(`${labelOf(agent)} ${answer}`);
      continue;
    }
    for (const worker of Object.values(snapshot?.children ?? {})) {
      const w = worker?.getSnapshot() as AgentSnapshotLike | undefined;
      const text = answerOf(w);
      if (text && w?.context?.agent) parts.push(`${labelOf(w.context.agent)} ${text}`);
    }
  }
  return parts.length > 0 ? parts.join('\n\n') : null;
}
