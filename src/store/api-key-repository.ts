import type { EntityManager } from '@mikro-orm/core';
import { ApiKey } from './entities/index.ts';
import type { ApiKeyRecord, ApiKeyRepository } from '../domain/api-keys.ts';

function toRecord(k: ApiKey): ApiKeyRecord {
  return {
    id: k.id,
    tenantId: k.tenantId,
    name: k.name ?? null,
    prefix: k.prefix,
    createdAt: k.createdAt,
    revokedAt: k.revokedAt ?? null,
  };
}

/** API keys on any of the three SQL backends; each call is one query on its own fork. */
export class SqlApiKeyRepository implements ApiKeyRepository {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  async create(fields: { tenantId: string; name: string | null; keyHash: string; prefix: string }): Promise<ApiKeyRecord> {
    const em = this.#em.fork();
    const row = em.create(ApiKey, { tenantId: fields.tenantId, name: fields.name, keyHash: fields.keyHash, prefix: fields.prefix, revokedAt: null });
    await em.flush();
    return toRecord(row);
  }

  async findActiveByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    // A fresh fork per lookup: a key revoked a moment ago must not be served from an identity map.
    const row = await this.#em.fork().findOne(ApiKey, { keyHash, revokedAt: null });
    return row ? toRecord(row) : null;
  }

  async list(query: { tenantId?: string } = {}): Promise<ApiKeyRecord[]> {
    const where = query.tenantId === undefined ? {} : { tenantId: query.tenantId };
    const rows = await this.#em.fork().find(ApiKey, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return rows.map(toRecord);
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const changed = await this.#em.fork().nativeUpdate(ApiKey, { id, revokedAt: null }, { revokedAt: at });
    return changed > 0;
  }
}
