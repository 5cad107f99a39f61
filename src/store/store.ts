import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Orm } from './init-orm.ts';
import { TENANT_FILTER } from './tenant-filter.ts';
import { ExecutionRun } from './entities/index.ts';
import { SqlModelRepository } from './model-repository.ts';
import { SqlHierarchyRepository } from './hierarchy-repository.ts';
import { SqlRunRepository } from './run-repository.ts';
import { SqlMcpServerRepository } from './mcp-server-repository.ts';
import { SqlThreadRepository } from './thread-repository.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { SqlApiKeyRepository } from './api-key-repository.ts';
import { deleteRunRecords, endedRunsBefore } from './run-deletion.ts';
import type { ApiKeyRepository } from '../domain/api-keys.ts';
import { SqlTenantSecretRepository } from './tenant-secret-repository.ts';
import { SecretCipher } from './secret-cipher.ts';
import { ConfigError } from '../errors/app-error.ts';
import { TenantSecret } from './entities/index.ts';
import { SqlRunCheckpoints } from './run-checkpoint-store.ts';
import { SqlPushConfigRepository } from './push-config-repository.ts';
import type { RunCheckpoints } from '../domain/run-checkpoints.ts';

export class SqlTenantRepositories implements TenantRepositories {
  readonly tenantId: string;
  readonly models: SqlModelRepository;
  readonly hierarchies: SqlHierarchyRepository;
  readonly runs: SqlRunRepository;
  readonly threads: SqlThreadRepository;
  readonly pushConfigs: SqlPushConfigRepository;
  readonly mcpServers: SqlMcpServerRepository;
  readonly secrets: SqlTenantSecretRepository;

  constructor(em: EntityManager, tenantId: string, cipher: SecretCipher | null) {
    this.tenantId = tenantId;
    this.models = new SqlModelRepository(em, tenantId);
    this.hierarchies = new SqlHierarchyRepository(em, tenantId);
    this.runs = new SqlRunRepository(em, tenantId);
    this.threads = new SqlThreadRepository(em, tenantId);
    this.pushConfigs = new SqlPushConfigRepository(em, tenantId);
    this.mcpServers = new SqlMcpServerRepository(em, tenantId);
    this.secrets = new SqlTenantSecretRepository(em, tenantId, cipher);
  }
}

/** The store as the rest of the process sees it: tenant-bound repositories and a few system jobs. */
export class Store {
  readonly orm: Orm;

  /** API keys of every tenant (a key decides its request's tenant, so it is found before one is known). */
  readonly apiKeys: ApiKeyRepository;

  /** Each live run's last checkpoint, across tenants (the process host saves and resumes them). */
  readonly checkpoints: RunCheckpoints;

  /** Encrypts tenant secrets; null: no key configured, secrets can be listed and deleted only. */
  readonly #cipher: SecretCipher | null;

  constructor(orm: Orm, options: { secretsKey?: Buffer | null } = {}) {
    this.orm = orm;
    this.apiKeys = new SqlApiKeyRepository(orm.em);
    this.checkpoints = new SqlRunCheckpoints(orm);
    this.#cipher = options.secretsKey ? new SecretCipher(options.secretsKey) : null;
  }

  /** Which key encrypts secrets (a fingerprint, not the key), or null without one. */
  get secretsKeyFingerprint(): string | null {
    return this.#cipher?.fingerprint ?? null;
  }

  /** A fresh unit of work (forked EntityManager) whose every query is scoped to `tenantId`. */
  forTenant(tenantId: string): TenantRepositories {
    const em = this.orm.em.fork();
    em.setFilterParams(TENANT_FILTER, { tenantId });
    return new SqlTenantRepositories(em, tenantId, this.#cipher);
  }

  /**
   * Start-up check, across tenants: stored secrets need the key they were sealed with. Without
   * a key, or with one that does not open the oldest stored secret, the process refuses to
   * start rather than fail every run that uses one.
   */
  async checkSecretsKey(): Promise<void> {
    const em = this.orm.em.fork();
    const [oldest] = await em.find(TenantSecret, {}, { filters: false, orderBy: { createdAt: 'asc', id: 'asc' }, limit: 1 });
    if (!oldest) return;
    const count = await em.count(TenantSecret, {}, { filters: false });
    if (!this.#cipher) {
      throw new ConfigError(`SECRETS_KEY is not set, but the database holds ${count} tenant secret(s): set the SECRETS_KEY they were encrypted with`);
    }
    if (this.#cipher.open(oldest.tenantId, oldest.name, oldest) === null) {
      throw new ConfigError('SECRETS_KEY does not decrypt the stored tenant secrets: set the key they were encrypted with');
    }
  }

  async ping(): Promise<boolean> {
    return this.orm.checkConnection().then((r) => r.ok);
  }

  /**
   * Runs left `pending`/`running` (a process that executed them stopped). Deliberately across
   * tenants (filters off): it is a start-up job, not a request.
   */
  async unfinishedRuns(): Promise<Array<{ id: number; tenantId: string }>> {
    const rows = await this.orm.em.fork().find(
      ExecutionRun,
      { status: { $in: ['pending', 'running'] } },
      { filters: false, fields: ['id', 'tenantId'], orderBy: { id: 'asc' } },
    );
    return rows.map((r) => ({ id: Number(r.id), tenantId: r.tenantId }));
  }

  /** Retention: up to `limit` ended runs of any tenant whose end is older than `before` (a system job, filters off). */
  endedRunsBefore(before: Date, limit: number): Promise<number[]> {
    return endedRunsBefore(this.orm.em, before, limit);
  }

  /** Retention: the run records (any tenant) and their /execute hierarchies; idempotent, returns the runs deleted. */
  deleteRuns(runIds: readonly number[]): Promise<number> {
    return deleteRunRecords(this.orm.em, runIds);
  }

  /** A fresh install gets a model named `simulated` in the default tenant, so a hierarchy can be made at once. */
  async seedDefaults(tenantId: string): Promise<void> {
    const repos = this.forTenant(tenantId);
    if (await repos.models.findByName('simulated')) return;
    try {
      await repos.models.create({
        name: 'simulated',
        model_id: 'simulated',
        provider: 'simulated',
        description: 'Built-in deterministic model: no network, streams token by token',
        params: { token_delay_ms: 10, reply_tokens: 40 },
        is_active: true,
      });
    } catch (err) {
      // Processes starting at once on a fresh database each try: the one that lost finds the winner's row.
      if (!(err instanceof UniqueConstraintViolationException) || !(await this.forTenant(tenantId).models.findByName('simulated'))) throw err;
    }
  }

  async close(): Promise<void> {
    await this.orm.close(true);
  }
}
