import { z } from 'zod';
import { gatewayFields, llmConfigSchema, paginationFields } from './common-schemas.ts';
import { budgetSchema, type Budget } from './budget-schemas.ts';

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

const toolName = z.string().min(1).max(256);
/** A tool with how its calls are approved (the plain name means approval "never"). */
const declaredTool = z
  .object({ name: toolName, approval: z.enum(['always', 'never']).default('never') })
  .strict()
  .meta({ id: 'WorkerTool' });
export type WorkerToolEntry = string | { name: string; approval: 'always' | 'never' };

const workerSchema = z
  .object({
    agent_id: agentId.optional(),
    name: z.string().trim().min(1).max(255),
    role: z.string().trim().min(1).max(1000),
    system_prompt: prompt,
    user_message: z.string().max(100_000).optional(),
    tools: z.array(z.union([toolName, declaredTool])).max(64).optional()
      .meta({ description: "Built-in tools by name (calculator, http_request, ask_human), mcp:<server> (all of a registered MCP server's tools) or mcp:<server>/<tool>; or {name, approval: 'always'|'never'} (always: each call waits for a human's approval)" }),
    llm_config: llmConfigSchema.optional(),
    budget: budgetSchema.optional().meta({ description: "This worker's own budget (its model and tool calls)" }),
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
    budget: budgetSchema.optional().meta({ description: "The team's budget: its supervisor's and workers' calls together; spent, that team alone stops" }),
  })
  .strict()
  .meta({ id: 'Team' });

/** What happens to a run whose process is lost (or shuts down) mid-run, and how often it may be resumed. */
export const ownerLostPolicies = ['resume', 'fail'] as const;
export type OwnerLostPolicy = (typeof ownerLostPolicies)[number];
export const resumePolicyDefaults = { on_owner_lost: 'resume', max_resumes: 3 } as const satisfies { on_owner_lost: OwnerLostPolicy; max_resumes: number };
const onOwnerLost = z.enum(ownerLostPolicies).meta({
  description: "When the process running a run is lost or shuts down: 'resume' (another process continues it from its last checkpoint) or 'fail' (it fails \"owner lost\"). Default 'resume'.",
});
const maxResumes = z.number().int().min(0).max(100).meta({
  description: 'How many times one run may be resumed by another process before it fails instead (0..100, default 3).',
});

const hierarchyFields = {
  name: z.string().trim().min(1).max(255),
  description: z.string().max(4000).nullable().optional(),
  execution_mode: z.enum(['sequential', 'parallel']).optional(),
  enable_context_sharing: z.boolean().optional(),
  global_supervisor_agent: supervisorAgentSchema,
  teams: z.array(teamSchema).min(1, 'a hierarchy needs at least one team').max(50),
  on_owner_lost: onOwnerLost.optional(),
  max_resumes: maxResumes.optional(),
  budget: budgetSchema.optional().meta({ description: "Each run's budget (runs/start's `budget` overrides it); spent, the run fails budget_exhausted" }),
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
    on_owner_lost: hierarchyFields.on_owner_lost,
    max_resumes: hierarchyFields.max_resumes,
    budget: budgetSchema.nullable().optional().meta({ description: "Each run's budget; null removes it" }),
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
  /** As declared: a name, or {name, approval} (see toolNamesOf / approvalToolsOf). */
  tools: WorkerToolEntry[];
  budget?: Budget;
}

/** The names of a worker's tools, however each was declared. */
export const toolNamesOf = (tools: readonly WorkerToolEntry[]): string[] => tools.map((t) => (typeof t === 'string' ? t : t.name));

/** The tools whose every call waits for a human's approval. */
export const approvalToolsOf = (tools: readonly WorkerToolEntry[]): string[] =>
  tools.flatMap((t) => (typeof t !== 'string' && t.approval === 'always' ? [t.name] : []));
export interface TeamConfig {
  name: string;
  team_supervisor_agent: AgentConfig;
  prevent_duplicate: boolean;
  share_context: boolean;
  workers: WorkerConfig[];
  budget?: Budget;
}
export interface HierarchyConfig {
  execution_mode: 'sequential' | 'parallel';
  enable_context_sharing: boolean;
  global_supervisor_agent: AgentConfig;
  teams: TeamConfig[];
  /** Its runs' fate when their process is lost (resumePolicyDefaults when the stored config predates it). */
  on_owner_lost: OwnerLostPolicy;
  /** How many times one of its runs may be resumed (0..100). */
  max_resumes: number;
  /** Each run's budget (absent: none). */
  budget?: Budget;
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
    on_owner_lost: onOwnerLost,
    max_resumes: maxResumes,
    budget: budgetSchema.optional(),
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
