import type { RouteExample } from '../../api-route.ts';
import { CREATED_AT, HIERARCHY_ID } from './example-values.ts';

/** The OpenAPI examples of hierarchies/*: the README's `research` hierarchy, on the model `simulated`. */

const worker = (name: string, role: string, tools?: string[]) => ({ name, role, system_prompt: `You are ${name}, a ${role}.`, ...(tools && { tools }) });

/** hierarchies/create's example: what the README's curl steps create. */
export const researchHierarchy = {
  name: 'research',
  execution_mode: 'parallel',
  enable_context_sharing: true,
  global_supervisor_agent: { system_prompt: 'You coordinate research teams.', llm_config: { model_id: 'simulated' } },
  teams: [
    { name: 'Analysts', team_supervisor_agent: { system_prompt: 'You lead the analysts.' }, workers: [worker('Ada', 'data analyst', ['calculator']), worker('Bob', 'statistician')] },
    { name: 'Writers', team_supervisor_agent: { system_prompt: 'You lead the writers.' }, workers: [worker('Cy', 'technical writer')] },
  ],
};

const stored = (team: string, w: ReturnType<typeof worker>) => ({
  agent_id: `team-${team.toLowerCase()}-worker-${w.name.toLowerCase()}`, system_prompt: w.system_prompt, name: w.name, role: w.role, tools: w.tools ?? [],
});

/** The hierarchy as every answer shows it: normalised (agent ids, defaults). */
function view(fields: Record<string, unknown> = {}) {
  return {
    id: HIERARCHY_ID, name: 'research', description: null, on_owner_lost: 'resume', max_resumes: 3,
    execution_mode: 'parallel', enable_context_sharing: true,
    global_supervisor_agent: { agent_id: 'global-supervisor', ...researchHierarchy.global_supervisor_agent },
    teams: researchHierarchy.teams.map((team) => ({
      name: team.name,
      team_supervisor_agent: { agent_id: `team-${team.name.toLowerCase()}-supervisor`, ...team.team_supervisor_agent },
      prevent_duplicate: true, share_context: false,
      workers: team.workers.map((w) => stored(team.name, w)),
    })),
    is_active: true, version: 1, created_at: CREATED_AT, updated_at: CREATED_AT,
    ...fields,
  };
}

export const hierarchyExamples: Record<'list' | 'create' | 'get' | 'update' | 'delete', RouteExample[]> = {
  list: [{ summary: 'The first page', request: { page: 1, size: 20 }, response: [view()] }],
  create: [
    { summary: 'Two teams on the simulated model', request: researchHierarchy, response: view() },
    {
      summary: 'One team, a worker whose tool calls wait for approval, a run budget',
      request: {
        name: 'ops-desk',
        global_supervisor_agent: { system_prompt: 'You route operations requests.' },
        teams: [{
          name: 'Ops', team_supervisor_agent: { system_prompt: 'You lead the on-call team.' },
          workers: [{ name: 'Dee', role: 'site reliability engineer', system_prompt: 'You check services.', tools: [{ name: 'http_request', approval: 'always' }] }],
        }],
        budget: { max_tokens: 200000, max_cost_usd: 2 },
      },
      response: view({
        id: '8c0f6a52-1d3e-4b7a-9e26-f4a8b1c3d5e7', name: 'ops-desk', execution_mode: 'sequential', enable_context_sharing: false,
        global_supervisor_agent: { agent_id: 'global-supervisor', system_prompt: 'You route operations requests.' },
        teams: [{
          name: 'Ops', team_supervisor_agent: { agent_id: 'team-ops-supervisor', system_prompt: 'You lead the on-call team.' }, prevent_duplicate: true, share_context: false,
          workers: [{ agent_id: 'team-ops-worker-dee', system_prompt: 'You check services.', name: 'Dee', role: 'site reliability engineer', tools: [{ name: 'http_request', approval: 'always' }] }],
        }],
        budget: { max_tokens: 200000, max_cost_usd: 2 },
      }),
    },
  ],
  get: [{ summary: 'A hierarchy by id', request: { id: HIERARCHY_ID }, response: view() }],
  update: [{
    summary: 'Rename nothing, run the teams one after the other',
    request: { id: HIERARCHY_ID, description: 'Quarterly sales research', execution_mode: 'sequential' },
    response: view({ description: 'Quarterly sales research', execution_mode: 'sequential', version: 2, updated_at: '2026-03-14T10:02:17.090Z' }),
  }],
  delete: [{ summary: 'A hierarchy by id', request: { id: HIERARCHY_ID }, response: { id: HIERARCHY_ID } }],
};
