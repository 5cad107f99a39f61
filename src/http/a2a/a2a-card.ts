import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import type { HierarchyRecord } from '../../domain/hierarchy-schemas.ts';

const MODES = ['text/plain', 'application/json'];

/** Where a hierarchy's A2A agent lives: `<base>/a2a/<hierarchy id>` (its card under `.well-known/`). */
export function agentUrlOf(baseUrl: string, hierarchy: Pick<HierarchyRecord, 'id'>): string {
  return `${baseUrl.replace(/\/+$/, '')}/a2a/${encodeURIComponent(hierarchy.id)}`;
}

/**
 * A hierarchy as an A2A agent card: one skill per team (its workers' names and roles — never
 * their prompts), both bindings at the agent's URL, A2A 1.0 and 0.3, and the API key scheme
 * when keys are required.
 */
export function agentCardOf(hierarchy: HierarchyRecord, baseUrl: string, options: { apiKeysRequired: boolean; pushNotifications: boolean; version: string }): AgentCard {
  const url = agentUrlOf(baseUrl, hierarchy);
  const teams = hierarchy.config.teams;
  const skills: AgentSkill[] = teams.map((team) => ({
    id: `team-${team.name}`,
    name: team.name,
    description: `Team ${team.name}: ${team.workers.map((w) => `${w.name} (${w.role})`).join(', ')}`,
    tags: ['team', ...team.workers.map((w) => w.name)],
    examples: [],
    inputModes: MODES,
    outputModes: MODES,
    securityRequirements: [],
  }));
  const interfaces = ['1.0', '0.3'].flatMap((protocolVersion) => ['JSONRPC', 'HTTP+JSON'].map((protocolBinding) => ({ url, protocolBinding, tenant: '', protocolVersion })));
  return {
    name: hierarchy.name,
    description: hierarchy.description ?? `A hierarchical team of agents: ${teams.map((t) => t.name).join(', ')}`,
    supportedInterfaces: interfaces,
    provider: { organization: 'Cadre', url: baseUrl },
    version: `${options.version}+h${hierarchy.version}`,
    capabilities: { streaming: true, pushNotifications: options.pushNotifications, extensions: [], extendedAgentCard: false },
    securitySchemes: options.apiKeysRequired
      ? { cadreApiKey: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: 'A Cadre API key as a Bearer token', scheme: 'Bearer', bearerFormat: 'cadre API key' } } } }
      : {},
    securityRequirements: options.apiKeysRequired ? [{ schemes: { cadreApiKey: { list: [] } } }] : [],
    defaultInputModes: MODES,
    defaultOutputModes: MODES,
    skills,
    signatures: [],
  };
}
