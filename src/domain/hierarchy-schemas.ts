import { z } from 'zod';
import { gatewayFields, llmConfigSchema, paginationFields } from './common-schemas.ts';

const agentId = z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const prompt = z.string().min(1).max(100_000);

const supervisorAgentSchema = z
  .object({
    agent_id: agentId.optional(),
    system_prompt: prompt,
    user_message: z.string().max(100_000).optional(),
    llm_config: llmConfigSchema.optional(),
  })
  .strict();

const workerSchema = z
  .object({
    agent_id: agentId.optional(),
    name: z.string().trim().min(1).max(255),
    role: z.string().trim().min(1).max(1000),
    system_prompt: prompt,
    user_message: z.string().max(100_000).optional(),
    tools: z.array(z.string().min(1).max(256)).max(64).optional()
      .meta({ description: "Built-in tools by name (calculator, http_request), mcp:<server> (all of a registered MCP server's tools) or mcp:<server>/<tool>" }),
    llm_config: llmConfigSchema.optional(),
  })
  .strict()
  .meta({ id: 'Worker' });

const teamSchema = z
  .object({
    name: z.string().trim().min(1).max(255),
    team_supervisor_agent: supervisorAgentSchema,
    prevent_duplicate: z.boolean().optional(),
    share_context: z.boolean().optional(),
    workers: z.array(workerSchema).min(1, 'a team needs at least one worker').max(100),
  })
  .strict()
  .meta({ id: 'Team' });

const hierarchyFields = {
  name: z.string().trim().min(1).max(255),
  description: z.string().max(4000).nullable().optional(),
  execution_mode: z.enum(['sequential', 'parallel']).optional(),
  enable_context_sharing: z.boolean().optional(),
  global_supervisor_agent: supervisorAgentSchema,
  teams: z.array(teamSchema).min(1, 'a hierarchy needs at least one team').max(50),
  is_active: z.boolean().optional(),
};

export const hierarchyCreateSchema = z.object({ ...hierarchyFields, ...gatewayFields }).strict().meta({ id: 'HierarchyCreate' });
export const hierarchyUpdateSchema = z
  .object({
    id: z.string().min(1).max(64),
    name: hierarchyFields.name.optional(),
    description: hierarchyFields.description,
    execution_mode: hierarchyFields.execution_mode,
    enable_context_sharing: hierarchyFields.enable_context_sharing,
    global_supervisor_agent: supervisorAgentSchema.optional(),
    teams: hierarchyFields.teams.optional().meta({ description: 'Replaces all teams' }),
    is_active: z.boolean().optional(),
    ...gatewayFields,
  })
  .strict()
  .meta({ id: 'HierarchyUpdate' });
export const hierarchyListSchema = z.object({ ...paginationFields, is_active: z.boolean().optional(), ...gatewayFields }).strict();

export type HierarchyCreate = z.infer<typeof hierarchyCreateSchema>;
export type HierarchyUpdate = z.infer<typeof hierarchyUpdateSchema>;

/** The stored, normalised hierarchy: every agent has an id and every option its value. */
export interface AgentConfig {
  agent_id: string;
  system_prompt: string;
  user_message?: string;
  llm_config?: z.infer<typeof llmConfigSchema>;
}
export interface WorkerConfig extends AgentConfig {
  name: string;
  role: string;
  tools: string[];
}
export interface TeamConfig {
  name: string;
  team_supervisor_agent: AgentConfig;
  prevent_duplicate: boolean;
  share_context: boolean;
  workers: WorkerConfig[];
}
export interface HierarchyConfig {
  execution_mode: 'sequential' | 'parallel';
  enable_context_sharing: boolean;
  global_supervisor_agent: AgentConfig;
  teams: TeamConfig[];
}

/** Who made a hierarchy: the hierarchies API, or POST /execute for its one run (hidden, deleted with it). */
export type HierarchyOrigin = 'api' | 'execute';

export interface HierarchyRecord {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  config: HierarchyConfig;
  isActive: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const hierarchyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    execution_mode: z.enum(['sequential', 'parallel']),
    enable_context_sharing: z.boolean(),
    global_supervisor_agent: supervisorAgentSchema.extend({ agent_id: z.string() }),
    teams: z.array(teamSchema),
    is_active: z.boolean(),
    version: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Hierarchy' });

export function hierarchyView(h: HierarchyRecord) {
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    ...h.config,
    is_active: h.isActive,
    version: h.version,
    created_at: h.createdAt.toISOString(),
    updated_at: h.updatedAt.toISOString(),
  };
}
