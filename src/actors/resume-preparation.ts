import { upgradedAgentContext } from './checkpoint-upgrade.ts';

/**
 * A run's checkpoint as XState persists it: each actor's snapshot with its children by id, each
 * child naming the registered logic (`src`) it is restored with. Only what this module reads.
 */
interface PersistedActor {
  status?: string;
  input?: Record<string, unknown>;
  context?: Record<string, unknown>;
  children?: Record<string, { src?: unknown; snapshot?: PersistedActor } | undefined>;
}

/** What restoring a checkpoint will do again: the model turns issued anew (by agent id) and the tool calls in flight. */
export interface ResumeWork {
  restartedTurns: string[];
  interruptedToolCalls: number;
}

const agentIdOf = (input: Record<string, unknown> | undefined): string | null => {
  const agent = input?.agent as { agentId?: unknown } | undefined;
  return typeof agent?.agentId === 'string' ? agent.agentId : null;
};

/**
 * Marks the calls that were in flight when the checkpoint was taken, before it is restored:
 * a restored promise actor runs again from its start, so a model turn is told it is a restart
 * (it announces `llm.turn_restarted`) and a tool call that it was interrupted (it runs again
 * only if its tool is idempotent). Everything settled is in the checkpoint and is not run again.
 * Agents' contexts of an earlier version are upgraded (checkpoint-upgrade.ts). Changes `snapshot`
 * in place (it is a parsed copy) and says what was marked.
 */
export function markInterruptedWork(snapshot: unknown): ResumeWork {
  const work: ResumeWork = { restartedTurns: [], interruptedToolCalls: 0 };
  const visit = (actor: PersistedActor) => {
    for (const child of Object.values(actor.children ?? {})) {
      const inner = child?.snapshot;
      if (!child || !inner) continue;
      // An agent checkpointed by an earlier version: its context in this version's shape.
      if (inner.context?.agent && inner.context.stats) inner.context = upgradedAgentContext(inner.context);
      if (inner.status === 'active' && inner.input) {
        if (child.src === 'modelTurn') {
          inner.input.restarted = true;
          const agentId = agentIdOf(inner.input);
          if (agentId) work.restartedTurns.push(agentId);
        } else if (child.src === 'toolCall') {
          inner.input.interrupted = true;
          work.interruptedToolCalls++;
        }
      }
      visit(inner);
    }
  };
  if (snapshot && typeof snapshot === 'object') visit(snapshot as PersistedActor);
  return work;
}
