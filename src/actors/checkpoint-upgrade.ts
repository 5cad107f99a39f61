import { initialLoopFields, initialTracedCalls } from './agent-loop.ts';

type Fields = Record<string, unknown>;

/**
 * An agent's context as an earlier version checkpointed it, brought to this version's shape, so a
 * run checkpointed before an upgrade resumes after it. Returns the context itself when it is
 * current; an upgraded one is a new object (never fields deleted in place: see AgentLoopContext
 * on why a context must stay a plain, fast object).
 *
 * - Before agent control: no usage/outcome/control fields — they start empty.
 * - Before model calls were traced: no `traced` — its calls are numbered from here.
 * - Before its fields were grouped: `kind`, `stopping`, `steering`, and the counters and (a
 *   supervisor's) delegation settings and answers as top-level fields.
 */
export function upgradedAgentContext(context: Fields): Fields {
  let upgraded = context;
  if (!('usage' in upgraded)) upgraded = { ...initialLoopFields(), ...upgraded };
  if (!('traced' in upgraded)) upgraded = { ...upgraded, traced: initialTracedCalls() };
  if ('kind' in upgraded || 'stopping' in upgraded || 'toolCallCount' in upgraded) upgraded = grouped(upgraded);
  return upgraded;
}

/** The flat context of a version before grouping, grouped (a worker's by `kind`, or its `steps`). */
function grouped(flat: Fields): Fields {
  const { kind, stopping, steering, toolCallCount, ...rest } = flat;
  const control = (rest.control as Fields | undefined) ?? { stopping: stopping ?? null, steering: steering ?? [] };
  const toolCalls = typeof toolCallCount === 'number' ? toolCallCount : 0;
  if (kind === 'worker' || 'steps' in rest) {
    const { steps, actorCount, ...worker } = rest;
    return { ...worker, control, counts: { steps: steps ?? 0, toolCalls, actors: actorCount ?? 0 } };
  }
  const { children, parallel, shareContext, maxTurns, finished, cache, turns, dispatchCount, ...supervisor } = rest;
  return {
    ...supervisor,
    delegation: { children: children ?? [], parallel: parallel ?? false, shareContext: shareContext ?? false, maxTurns: maxTurns ?? 0 },
    answers: { finished: finished ?? [], cache: cache ?? {} },
    control,
    counts: { turns: turns ?? 0, dispatches: dispatchCount ?? 0, toolCalls },
  };
}
