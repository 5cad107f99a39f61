import type { Budget } from './budget-schemas.ts';
import type { ModelCreate, ModelRecord } from './model-schemas.ts';
import type { HierarchyConfig, HierarchyOrigin, HierarchyRecord } from './hierarchy-schemas.ts';
import type { McpServerRecord } from './mcp-server-schemas.ts';
import type { RunOutcome, RunRecord, RunStatus } from './run-records.ts';
import type { TenantSecretInfo } from './tenant-secrets.ts';
import type { ThreadRecord } from './thread-schemas.ts';

/**
 * The repositories every layer above the store uses. Each instance is bound to one tenant when
 * it is made: no method takes a tenant, so none can read across tenants.
 */
export interface PageQuery {
  page: number;
  size: number;
}
export interface Slice<T> {
  items: T[];
  total: number;
}

export type ModelFields = Omit<ModelCreate, 'tenantId' | 'traceId' | 'userId'>;

export interface ModelRepository {
  list(query: PageQuery & { isActive?: boolean; provider?: string }): Promise<Slice<ModelRecord>>;
  find(id: string): Promise<ModelRecord | null>;
  /** By id, else by name, else by model_id (the first registered). */
  findByRef(ref: string): Promise<ModelRecord | null>;
  findByName(name: string): Promise<ModelRecord | null>;
  create(fields: ModelFields): Promise<ModelRecord>;
  update(id: string, fields: Partial<ModelFields>): Promise<ModelRecord | null>;
  delete(id: string): Promise<boolean>;
}

export interface HierarchyFields {
  name: string;
  description: string | null;
  config: HierarchyConfig;
  isActive: boolean;
}

/**
 * Every method but `find(id, { anyOrigin: true })` and `create` sees only the tenant's own
 * hierarchies (origin 'api'): those POST /execute made for its runs stay out of lists, names
 * and changes.
 */
export interface HierarchyRepository {
  list(query: PageQuery & { isActive?: boolean }): Promise<Slice<HierarchyRecord>>;
  /** `anyOrigin`: also a hierarchy POST /execute made (to plan that run). */
  find(id: string, options?: { anyOrigin?: boolean }): Promise<HierarchyRecord | null>;
  findByName(name: string): Promise<HierarchyRecord | null>;
  /** `origin` defaults to 'api'. */
  create(fields: HierarchyFields & { origin?: HierarchyOrigin }): Promise<HierarchyRecord>;
  /** Bumps `version` when the config changes. */
  update(id: string, fields: Partial<HierarchyFields>): Promise<HierarchyRecord | null>;
  /** `anyOrigin`: also a hierarchy POST /execute made (when its run was refused before it existed). */
  delete(id: string, options?: { anyOrigin?: boolean }): Promise<boolean>;
}

/** A thread's runs as its status and context need them. */
export interface ThreadRunSummary {
  runCount: number;
  /** The newest run of the thread; null: none yet. */
  lastRun: { id: number; status: RunStatus } | null;
}

/** Which runs a list shows: newest first, `beforeId` a cursor (runs older than it), `changedAfter` runs started or ended after it. */
export type RunListQuery = PageQuery & {
  hierarchyId?: string; status?: RunStatus; threadId?: string; beforeId?: number; changedAfter?: Date;
  /** Created at or after / before these times. */
  createdAfter?: Date; createdBefore?: Date;
  /** Text the task contains (case-insensitive), or the run's id when all digits. */
  text?: string;
  /** true: failed, or completed with some agent's task not completed; false: the others. */
  hasErrors?: boolean;
};

export interface RunRepository {
  list(query: RunListQuery): Promise<Slice<RunRecord>>;
  find(id: number): Promise<RunRecord | null>;
  /** Whether the tenant has this run, without reading its row (its statistics can be hundreds of KB). */
  exists(id: number): Promise<boolean>;
  /** The tenant's run's status alone (null: no such run): what a stream needs to open, without reading the row. */
  statusOf(id: number): Promise<RunStatus | null>;
  /** `owner`: the process that will execute it at once (no queue); null/absent while it waits to be taken. */
  create(fields: { hierarchyId: string; task: string; topologySnapshot: Record<string, unknown>; owner?: string | null; budget?: Budget | null; threadId?: string | null; metadata?: Record<string, unknown> | null; threadQueued?: boolean }): Promise<RunRecord>;
  threadSummary(threadId: string): Promise<ThreadRunSummary>;
  /** The thread's runs that have not ended (pending, running, waiting_input), oldest first. */
  liveOfThread(threadId: string): Promise<RunRecord[]>;
  /** The thread's ended runs older than `beforeId` (null: all), newest first, at most `limit`. */
  endedOfThread(threadId: string, beforeId: number | null, limit: number): Promise<RunRecord[]>;
  /** The tenant's runs running or waiting to run (pending): what TENANT_MAX_ACTIVE_RUNS bounds. */
  countActive(): Promise<number>;
  /** Removes a run whose start was refused right after its record was written (still pending, no events). */
  discardRefused(id: number): Promise<void>;
  /** `traceId`: the run's OpenTelemetry trace, when tracing is on. */
  markRunning(id: number, startedAt: Date, traceId?: string | null): Promise<void>;
  /** Records the end of a run once: a run already ended is left as it is (returns false). */
  finish(id: number, outcome: RunOutcome, completedAt: Date): Promise<boolean>;
  /** Deletes the run's record and the hierarchy POST /execute made for it, if any (false: no such run). Its events are the event log's. */
  delete(id: number): Promise<boolean>;
}

export interface ThreadRepository {
  /** `metadata`: threads whose metadata has each key with exactly that (scalar) value. */
  list(query: PageQuery & { hierarchyId?: string; metadata?: Record<string, unknown> }): Promise<Slice<ThreadRecord>>;
  find(id: string): Promise<ThreadRecord | null>;
  /** `id`: the client's choice; absent, the store makes one. */
  create(fields: { id?: string; hierarchyId: string; metadata: Record<string, unknown> }): Promise<ThreadRecord>;
  update(id: string, fields: { metadata: Record<string, unknown> }): Promise<ThreadRecord | null>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface McpServerFields {
  name: string;
  url: string;
  headersEnv: Record<string, string>;
  headersSecret: Record<string, string>;
  description: string | null;
  isActive: boolean;
}

export interface McpServerRepository {
  list(query: PageQuery & { isActive?: boolean }): Promise<Slice<McpServerRecord>>;
  find(id: string): Promise<McpServerRecord | null>;
  findByName(name: string): Promise<McpServerRecord | null>;
  create(fields: McpServerFields): Promise<McpServerRecord>;
  update(id: string, fields: Partial<McpServerFields>): Promise<McpServerRecord | null>;
  delete(id: string): Promise<boolean>;
}

/**
 * A tenant's secrets. Values go in through `set` and come out only through `reveal`, for the
 * moment a model call or MCP connection needs them; everything else sees names and dates.
 */
export interface TenantSecretRepository {
  list(query: PageQuery): Promise<Slice<TenantSecretInfo>>;
  /** Creates or replaces; `created` says which. Refused (503) when the server has no secrets key. */
  set(name: string, value: string): Promise<{ secret: TenantSecretInfo; created: boolean }>;
  delete(name: string): Promise<boolean>;
  count(): Promise<number>;
  /** The names among `names` that do not exist. */
  missing(names: readonly string[]): Promise<string[]>;
  /** The values of those of `names` that exist (fresh from the database, never cached). */
  reveal(names: readonly string[]): Promise<Map<string, string>>;
}

/** A webhook a client is told of a run's progress at (A2A push notifications). */
export interface PushConfigRecord {
  runId: number;
  /** The client's id for it (unique per run). */
  configId: string;
  url: string;
  /** Sent as X-A2A-Notification-Token with each notification. */
  token: string | null;
  /** Sent as `Authorization: <scheme> <credentials>` when both are set. */
  authScheme: string | null;
  authCredentials: string | null;
  createdAt: Date;
}

/** Most push configs one run may have: a tenant cannot grow a run's fan-out past it. */
export const MAX_PUSH_CONFIGS_PER_RUN = 10;

export interface PushConfigRepository {
  /** Adds or replaces (same run and config id) a config; false when the run has MAX_PUSH_CONFIGS_PER_RUN others. */
  put(config: Omit<PushConfigRecord, 'createdAt'>): Promise<PushConfigRecord | false>;
  find(runId: number, configId: string): Promise<PushConfigRecord | null>;
  list(runId: number): Promise<PushConfigRecord[]>;
  delete(runId: number, configId: string): Promise<boolean>;
}

export interface TenantRepositories {
  readonly tenantId: string;
  readonly models: ModelRepository;
  readonly hierarchies: HierarchyRepository;
  readonly runs: RunRepository;
  readonly threads: ThreadRepository;
  readonly pushConfigs: PushConfigRepository;
  readonly mcpServers: McpServerRepository;
  readonly secrets: TenantSecretRepository;
}
