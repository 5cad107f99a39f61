import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors/app-error.ts';
import { hierarchyCreateSchema, type HierarchyCreate } from './hierarchy-schemas.ts';
import type { LlmConfig } from './common-schemas.ts';

/**
 * The original service's synchronous `POST /execute`: the whole hierarchy inline with the task,
 * in the hierarchies/create form (no `name` needed) or the older one (`global_prompt`, a team's
 * `supervisor_prompt`, LLM fields flat on an agent, `global_temperature`/`global_max_tokens`/
 * `global_model_id` at the top). Errors keep the original's wording ("Missing required field:
 * 'teams'"), which names the field; the result is validated as any hierarchy is.
 */
export interface LegacyExecuteRequest {
  hierarchy: HierarchyCreate;
  task: string;
}

/** The original's defaults for an inline hierarchy. */
const DEFAULT_TEMPERATURE = 0.7;
const DEFAULT_MAX_TOKENS = 2048;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function missing(field: string): ValidationError {
  return new ValidationError(`Missing required field: '${field}'`, [{ field, message: 'required' }], 'MISSING_FIELD');
}

function requiredText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw missing(field);
  return value;
}

function optionalObject(value: unknown, field: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ValidationError(`${field}: must be an object`);
  return value;
}

/**
 * An agent's llm_config: its own `llm_config` wins, else the flat fields of the older form,
 * else the inherited (top-level `global_*`) ones; temperature and max_tokens default as the
 * original's did. Only fields that are present are copied; the schema checks their types.
 */
function llmConfigOf(own: Json | undefined, flat: Json, inherited: Json = {}): LlmConfig {
  const pick = (key: 'model_id' | 'temperature' | 'max_tokens' | 'top_p') => own?.[key] ?? flat[key] ?? inherited[key];
  const config: Record<string, unknown> = {
    temperature: pick('temperature') ?? DEFAULT_TEMPERATURE,
    max_tokens: pick('max_tokens') ?? DEFAULT_MAX_TOKENS,
  };
  for (const key of ['model_id', 'top_p'] as const) {
    const value = pick(key);
    if (value !== undefined && value !== null) config[key] = value;
  }
  return config as LlmConfig;
}

function worker(raw: unknown, path: string, inherited: Json): Json {
  if (!isObject(raw)) throw new ValidationError(`${path}: must be an object`);
  return {
    ...(raw.agent_id !== undefined && { agent_id: raw.agent_id }),
    name: requiredText(raw.name, `${path}.name`),
    role: requiredText(raw.role, `${path}.role`),
    system_prompt: requiredText(raw.system_prompt, `${path}.system_prompt`),
    ...(raw.user_message !== undefined && { user_message: raw.user_message }),
    ...(raw.tools !== undefined && { tools: raw.tools }),
    llm_config: llmConfigOf(optionalObject(raw.llm_config, `${path}.llm_config`), raw, inherited),
  };
}

function team(raw: unknown, path: string, inherited: Json): Json {
  if (!isObject(raw)) throw new ValidationError(`${path}: must be an object`);
  const name = requiredText(raw.name, `${path}.name`);
  const supervisor = optionalObject(raw.team_supervisor_agent, `${path}.team_supervisor_agent`);
  const prompt = supervisor?.system_prompt ?? raw.supervisor_prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') throw missing(`${path}.team_supervisor_agent.system_prompt`);
  if (!Array.isArray(raw.workers) || raw.workers.length === 0) throw missing(`${path}.workers`);
  return {
    name,
    team_supervisor_agent: {
      ...(supervisor?.agent_id !== undefined && { agent_id: supervisor.agent_id }),
      system_prompt: prompt,
      ...(supervisor?.user_message !== undefined && { user_message: supervisor.user_message }),
      llm_config: llmConfigOf(optionalObject(supervisor?.llm_config, `${path}.team_supervisor_agent.llm_config`), raw, inherited),
    },
    prevent_duplicate: raw.prevent_duplicate ?? true,
    share_context: raw.share_context ?? false,
    workers: raw.workers.map((w, i) => worker(w, `${path}.workers[${i}]`, inherited)),
  };
}

/** The request as a hierarchy (named `execute:<uuid>`) and its task; 400 naming the field otherwise. */
export function legacyExecuteRequest(body: Json): LegacyExecuteRequest {
  const global = optionalObject(body.global_supervisor_agent, 'global_supervisor_agent');
  const globalPrompt = global?.system_prompt ?? body.global_prompt;
  if (typeof globalPrompt !== 'string' || globalPrompt.trim() === '') throw missing('global_supervisor_agent.system_prompt');
  if (!Array.isArray(body.teams) || body.teams.length === 0) throw missing('teams');
  const task = requiredText(body.task, 'task');
  const inherited: Json = {
    ...(body.global_model_id !== undefined && { model_id: body.global_model_id }),
    ...(body.global_temperature !== undefined && { temperature: body.global_temperature }),
    ...(body.global_max_tokens !== undefined && { max_tokens: body.global_max_tokens }),
  };
  const candidate = {
    name: `execute:${randomUUID()}`,
    description: typeof body.description === 'string' ? body.description : 'inline hierarchy of a POST /execute run',
    execution_mode: body.execution_mode ?? 'sequential',
    enable_context_sharing: body.enable_context_sharing ?? false,
    global_supervisor_agent: {
      ...(global?.agent_id !== undefined && { agent_id: global.agent_id }),
      system_prompt: globalPrompt,
      ...(global?.user_message !== undefined && { user_message: global.user_message }),
      llm_config: llmConfigOf(optionalObject(global?.llm_config, 'global_supervisor_agent.llm_config'), {}, inherited),
    },
    teams: body.teams.map((t, i) => team(t, `teams[${i}]`, inherited)),
  };
  const parsed = hierarchyCreateSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
    throw new ValidationError(`${field || 'body'}: ${issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message}`);
  }
  return { hierarchy: parsed.data, task };
}
