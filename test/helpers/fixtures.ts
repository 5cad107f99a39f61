import type { HierarchyCreate } from '../../src/domain/hierarchy-schemas.ts';

/** A two-team hierarchy as a client would post it. */
export function sampleHierarchyInput(overrides: Partial<HierarchyCreate> = {}): HierarchyCreate {
  return {
    name: 'research',
    execution_mode: 'sequential',
    global_supervisor_agent: { system_prompt: 'You are the Global Supervisor, a coordinator.' },
    teams: [
      {
        name: 'Analysts',
        team_supervisor_agent: { system_prompt: 'You are the Analysts supervisor, a team lead.' },
        workers: [
          { name: 'Ada', role: 'data analyst', system_prompt: 'You are Ada, a data analyst.' },
          { name: 'Bob', role: 'statistician', system_prompt: 'You are Bob, a statistician.' },
        ],
      },
      {
        name: 'Writers',
        team_supervisor_agent: { system_prompt: 'You are the Writers supervisor, an editor.' },
        workers: [{ name: 'Cy', role: 'technical writer', system_prompt: 'You are Cy, a technical writer.' }],
      },
    ],
    ...overrides,
  };
}

/** The sample hierarchy (a fresh name) with every agent on the model named `model`. */
export function sampleHierarchyOn(model: string): HierarchyCreate {
  const llm_config = { model_id: model };
  const h = sampleHierarchyInput({ name: uniqueHierarchyName() });
  return {
    ...h,
    global_supervisor_agent: { ...h.global_supervisor_agent, llm_config },
    teams: h.teams.map((team) => ({ ...team, team_supervisor_agent: { ...team.team_supervisor_agent, llm_config }, workers: team.workers.map((w) => ({ ...w, llm_config })) })),
  };
}

function uniqueHierarchyName(): string {
  return `h_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}
