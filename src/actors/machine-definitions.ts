import type { AnyActorLogic } from 'xstate';
import { runMachine } from './run-machine.ts';
import { globalSupervisorMachine, teamSupervisorMachine } from './supervisor-machine.ts';
import { workerMachine } from './worker-machine.ts';

/**
 * A machine's definition as @statelyai/inspect sends it (`@xstate.actor`'s `definition`): its
 * config as JSON, each function named by its action type or name rather than shown (as the
 * package's own replacer does). Static per logic, so made once per logic (~2 KB each).
 */
const made = new WeakMap<object, string | undefined>();

function named(_key: string, value: unknown): unknown {
  if (typeof value !== 'function') return value;
  const type = (value as { type?: unknown }).type;
  return { type: typeof type === 'string' ? type : value.name || 'function' };
}

export function definitionOf(logic: AnyActorLogic | undefined): string | undefined {
  const config = (logic as { config?: unknown } | undefined)?.config;
  // Promise and callback actors have no config: they are no machine, so they have no chart.
  if (!logic || typeof config !== 'object' || config === null) return undefined;
  if (!made.has(logic)) made.set(logic, JSON.stringify(config, named));
  return made.get(logic);
}

/** The machine behind each kind of node of a described tree (runs/inspect): an ended run's actors are gone, their kinds are not. */
const machineOfKind: Record<string, AnyActorLogic> = {
  run: runMachine,
  global_supervisor: globalSupervisorMachine,
  team_supervisor: teamSupervisorMachine,
  worker: workerMachine,
};

export function definitionOfKind(kind: string): string | undefined {
  return definitionOf(machineOfKind[kind]);
}
