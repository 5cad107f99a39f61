import type { EntityManager } from '@mikro-orm/core';
import { AppError, UnavailableError } from '../errors/app-error.ts';
import { TenantSecret } from './entities/index.ts';
import type { PageQuery, Slice, TenantSecretRepository } from '../domain/repositories.ts';
import type { TenantSecretInfo } from '../domain/tenant-secrets.ts';
import type { SecretCipher } from './secret-cipher.ts';

function toInfo(s: Pick<TenantSecret, 'name' | 'createdAt' | 'updatedAt'>): TenantSecretInfo {
  return { name: s.name, createdAt: s.createdAt, updatedAt: s.updatedAt };
}

/** Said whenever a value would have to be encrypted or decrypted and the server has no key. */
export function secretsKeyMissing(): UnavailableError {
  return new UnavailableError('tenant secrets are not available: SECRETS_KEY is not configured on this server', 'SECRETS_KEY_MISSING');
}

/** A tenant's secrets, encrypted with the server's key; the tenant filter scopes every query. */
export class SqlTenantSecretRepository implements TenantSecretRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;
  readonly #cipher: SecretCipher | null;

  constructor(em: EntityManager, tenantId: string, cipher: SecretCipher | null) {
    this.#em = em;
    this.#tenantId = tenantId;
    this.#cipher = cipher;
  }

  async list(query: PageQuery): Promise<Slice<TenantSecretInfo>> {
    const [rows, total] = await this.#em.findAndCount(TenantSecret, {}, {
      fields: ['name', 'createdAt', 'updatedAt'], orderBy: { name: 'asc' }, limit: query.size, offset: (query.page - 1) * query.size,
    });
    return { items: rows.map(toInfo), total };
  }

  async set(name: string, value: string): Promise<{ secret: TenantSecretInfo; created: boolean }> {
    if (!this.#cipher) throw secretsKeyMissing();
    const sealed = this.#cipher.seal(this.#tenantId, name, value);
    const row = await this.#em.findOne(TenantSecret, { name });
    if (row) {
      this.#em.assign(row, sealed);
      await this.#em.flush();
      return { secret: toInfo(row), created: false };
    }
    const created = this.#em.create(TenantSecret, { ...sealed, name, tenantId: this.#tenantId });
    await this.#em.flush();
    return { secret: toInfo(created), created: true };
  }

  async delete(name: string): Promise<boolean> {
    const removed = await this.#em.nativeDelete(TenantSecret, { name });
    return removed > 0;
  }

  async count(): Promise<number> {
    return this.#em.count(TenantSecret, {});
  }

  async missing(names: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(names)];
    if (wanted.length === 0) return [];
    const rows = await this.#em.find(TenantSecret, { name: { $in: wanted } }, { fields: ['name'], disableIdentityMap: true });
    const found = new Set(rows.map((r) => r.name));
    return wanted.filter((n) => !found.has(n));
  }

  async reveal(names: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(names)];
    const values = new Map<string, string>();
    if (wanted.length === 0) return values;
    if (!this.#cipher) throw secretsKeyMissing();
    // Read now, past the unit of work's identity map: a value replaced a moment ago is the one used.
    const rows = await this.#em.find(TenantSecret, { name: { $in: wanted } }, { disableIdentityMap: true });
    for (const row of rows) {
      const value = this.#cipher.open(this.#tenantId, row.name, row);
      if (value === null) {
        throw new AppError(500, 'SECRET_UNREADABLE', `secret "${row.name}" cannot be decrypted with this server's secrets key (was SECRETS_KEY changed, or the row altered?)`);
      }
      values.set(row.name, value);
    }
    return values;
  }
}
