import { createSimulatedModel, type SimulatedModelSettings } from '../../src/models/simulated-model.ts';
import type { AgentModel } from '../../src/models/model-factory.ts';
import type { AgentPlan, ModelRef, RunPlan, TeamPlan } from '../../src/actors/run-plan.ts';
import type { RunPersistence } from '../../src/actors/run-machine.ts';
import type { RunResources } from '../../src/actors/run-resources.ts';
import type { RunLaunch } from '../../src/host/run-launch.ts';
import type { RunEventWriter } from '../../src/events/run-event-writer.ts';
import { noRunTelemetry } from '../../src/telemetry/run-telemetry.ts';
import type { RunOutcome } from '../../src/domain/run-records.ts';
import type { RunEvent } from '../../src/events/run-event.ts';
import type { EventLog } from '../../src/events/event-log.ts';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_SETTINGS } from '../../src/tools/tool-settings.ts';

export type ModelSettings = Omit<SimulatedModelSettings, 'modelId'>;

/** A fast simulated model (no token delay, short answers) unless told otherwise. */
export function simModel(settings: ModelSettings = {}): AgentModel {
  return {
    model: createSimulatedModel({ modelId: 'sim', tokenDelayMs: 0, replyTokens: 16, ...settings }),
    name: 'sim',
    provider: 'simulated',
    modelId: 'sim',
  };
}

export function workerPlan(team: string, name: string, role: string, settings?: ModelSettings): AgentPlan {
  return {
    agentId: `w-${team}-${name}`.toLowerCase(), agentType: 'worker', name, teamName: team, role,
    systemPrompt: `You are ${name}, ${role}.`, model: simModel(settings),
  };
}

export function teamSupervisorPlan(team: string, settings?: ModelSettings): AgentPlan {
  return {
    agentId: `s-${team}`.toLowerCase(), agentType: 'team_supervisor', name: 'Supervisor', teamName: team, role: null,
    systemPrompt: `You are the supervisor of team ${team}, a coordinator.`, model: simModel(settings),
  };
}

export function globalSupervisorPlan(settings?: ModelSettings): AgentPlan {
  return {
    agentId: 'g-global', agentType: 'global_supervisor', name: 'Global Supervisor', teamName: null, role: null,
    systemPrompt: 'You are the Global Supervisor, a coordinator of teams.', model: simModel(settings),
  };
}

export interface TeamOptions {
  preventDuplicate?: boolean;
  shareContext?: boolean;
  supervisor?: ModelSettings;
  /** Model settings per worker name. */
  workers?: Record<string, ModelSettings>;
}

/** A team whose workers are named after `workerNames`, each with role "<name>-role". */
export function teamPlan(name: string, workerNames: string[], options: TeamOptions = {}): TeamPlan {
  return {
    name,
    preventDuplicate: options.preventDuplicate ?? false,
    shareContext: options.shareContext ?? false,
    supervisor: teamSupervisorPlan(name, options.supervisor),
    workers: workerNames.map((w) => workerPlan(name, w, `${w.toLowerCase()} specialist`, options.workers?.[w])),
  };
}

export function runPlan(runId: number, overrides: Partial<RunPlan> = {}): RunPlan {
  return {
    runId,
    tenantId: 'tenant-a',
    hierarchyId: 'h-1',
    task: 'Summarise the quarterly report',
    executionMode: 'sequential',
    enableContextSharing: false,
    globalSupervisor: globalSupervisorPlan(),
    teams: [teamPlan('Alpha', ['Ada', 'Bob'])],
    timeoutMs: 30_000,
    maxSupervisorTurns: 10,
    workerTools: { settings: DEFAULT_TOOL_SETTINGS, maxSteps: DEFAULT_MAX_TOOL_STEPS },
    onOwnerLost: 'resume',
    maxResumes: 3,
    ...overrides,
  };
}

/** An agent's model ref with this live model behind it (a test's scripted model). */
export function withModel(ref: ModelRef, model: AgentModel['model']): AgentModel {
  return { ...(isAgentModel(ref) ? ref : {}), name: ref.name, provider: ref.provider, modelId: ref.modelId, model };
}

/** The test plans carry each agent's live model in its `model` (an AgentModel is a ModelRef and more). */
export const isAgentModel = (ref: ModelRef): ref is AgentModel => 'model' in ref;

/** Every agent's live model found anywhere in `value` (a plan, or an agent's spawn input), by agent id. */
export function modelsIn(value: unknown, into = new Map<string, AgentModel>()): Map<string, AgentModel> {
  if (Array.isArray(value)) {
    for (const item of value) modelsIn(item, into);
  } else if (value && typeof value === 'object') {
    const agent = value as Partial<AgentPlan>;
    if (typeof agent.agentId === 'string' && agent.model && isAgentModel(agent.model)) into.set(agent.agentId, agent.model);
    for (const child of Object.values(value)) if (child && typeof child === 'object' && child !== agent.model) modelsIn(child, into);
  }
  return into;
}

/** The plan as the runtime keeps it: each agent's model as data only (what a checkpoint holds). */
export function dataPlan(plan: RunPlan): RunPlan {
  const ref = (agent: AgentPlan): AgentPlan => ({ ...agent, model: { name: agent.model.name, provider: agent.model.provider, modelId: agent.model.modelId } });
  return {
    ...plan,
    globalSupervisor: ref(plan.globalSupervisor),
    teams: plan.teams.map((team) => ({ ...team, supervisor: ref(team.supervisor), workers: team.workers.map(ref) })),
  };
}

/** A test plan as the runtime starts it: data plan, live models beside it. */
export function launchOf(plan: RunPlan): RunLaunch {
  return { plan: dataPlan(plan), models: modelsIn(plan), mcpHeaders: async () => ({}) };
}

/** The resources a run of a test plan works with. */
export function testResources(plan: RunPlan, writer: RunEventWriter, persistence: RunPersistence, extra: Partial<RunResources> = {}): RunResources {
  return { writer, persistence, telemetry: noRunTelemetry, models: modelsIn(plan), mcpHeaders: async () => ({}), streamedText: new Map(), warn: () => {}, ...extra };
}

export interface PersistenceCall {
  method: 'markRunning' | 'finish' | 'markEnded';
  runId: number;
  outcome?: RunOutcome;
}

/** A RunPersistence that records its calls; `finish` can be held until the test releases it. */
export class RecordingPersistence implements RunPersistence {
  readonly calls: PersistenceCall[] = [];
  readonly #finishCalled = Promise.withResolvers<void>();
  readonly #hold: Promise<void>;

  constructor(hold: Promise<void> = Promise.resolve()) {
    this.#hold = hold;
  }

  /** Resolves when `finish` is first called (the run is finishing, before its terminal event). */
  get finishCalled(): Promise<void> {
    return this.#finishCalled.promise;
  }

  async markRunning(runId: number): Promise<void> {
    this.calls.push({ method: 'markRunning', runId });
  }

  async finish(runId: number, outcome: RunOutcome): Promise<boolean> {
    this.calls.push({ method: 'finish', runId, outcome });
    this.#finishCalled.resolve();
    await this.#hold;
    return true;
  }

  async markEnded(runId: number): Promise<void> {
    this.calls.push({ method: 'markEnded', runId });
  }
}

/** A run's stored events, parsed. */
export async function readRunEvents(log: EventLog, runId: number): Promise<RunEvent[]> {
  return (await log.read(runId)).map((e) => JSON.parse(e.json) as RunEvent);
}
