import type { EntityManager } from '@mikro-orm/core';
import { PushConfig } from './entities/index.ts';
import { MAX_PUSH_CONFIGS_PER_RUN, type PushConfigRecord, type PushConfigRepository } from '../domain/repositories.ts';

function toRecord(c: PushConfig): PushConfigRecord {
  return {
    runId: Number(c.runId), configId: c.configId, url: c.url, token: c.token ?? null,
    authScheme: c.authScheme ?? null, authCredentials: c.authCredentials ?? null, createdAt: c.createdAt,
  };
}

/** A tenant's push configs; the tenant filter scopes every read and delete. */
export class SqlPushConfigRepository implements PushConfigRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  async put(config: Omit<PushConfigRecord, 'createdAt'>): Promise<PushConfigRecord | false> {
    const existing = await this.#em.findOne(PushConfig, { runId: config.runId, configId: config.configId }, { refresh: true });
    if (existing) {
      this.#em.assign(existing, { url: config.url, token: config.token, authScheme: config.authScheme, authCredentials: config.authCredentials });
      await this.#em.flush();
      return toRecord(existing);
    }
    if ((await this.#em.count(PushConfig, { runId: config.runId })) >= MAX_PUSH_CONFIGS_PER_RUN) return false;
    const row = this.#em.create(PushConfig, { tenantId: this.#tenantId, ...config });
    await this.#em.flush();
    return toRecord(row);
  }

  async find(runId: number, configId: string): Promise<PushConfigRecord | null> {
    const row = await this.#em.findOne(PushConfig, { runId, configId }, { refresh: true });
    return row ? toRecord(row) : null;
  }

  async list(runId: number): Promise<PushConfigRecord[]> {
    const rows = await this.#em.find(PushConfig, { runId }, { orderBy: { createdAt: 'asc', configId: 'asc' }, refresh: true });
    return rows.map(toRecord);
  }

  async delete(runId: number, configId: string): Promise<boolean> {
    return (await this.#em.nativeDelete(PushConfig, { runId, configId })) > 0;
  }
}
