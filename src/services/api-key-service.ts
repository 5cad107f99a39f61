import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors/app-error.ts';
import { isTenantId } from '../domain/tenant-id.ts';
import type { ApiKeyRecord, ApiKeyRepository } from '../domain/api-keys.ts';

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'cadre_';
/** `cadre_` + 32 random bytes in base64url (43 characters): 256 bits, not guessable. */
const API_KEY_SHAPE = /^cadre_[A-Za-z0-9_-]{43}$/;
/** Characters of the key kept in clear to tell keys apart in `keys list` (48 of its 256 bits). */
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/**
 * SHA-256 of the key, hex. A fast hash is enough here (no salt, no bcrypt): the key is 256
 * random bits, so there is no dictionary to try against a leaked table.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Creating, authenticating and revoking API keys; the plain key exists only in `create`'s answer. */
export class ApiKeyService {
  readonly #repo: ApiKeyRepository;

  constructor(repo: ApiKeyRepository) {
    this.#repo = repo;
  }

  async create(tenantId: string, name?: string): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!isTenantId(tenantId)) throw new ValidationError('tenant: 1-64 letters, digits, _ . - only');
    const trimmed = name?.trim() || null;
    if (trimmed !== null && trimmed.length > 255) throw new ValidationError('name: at most 255 characters');
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const record = await this.#repo.create({ tenantId, name: trimmed, keyHash: hashApiKey(key), prefix: key.slice(0, SHOWN_PREFIX_LENGTH) });
    return { key, record };
  }

  /**
   * The tenant of a valid, unrevoked key; null for anything else (malformed, unknown, revoked),
   * so callers cannot tell those apart. The row is found by the key's hash through a unique
   * index, so no secret is compared in application code and a constant-time compare has nothing
   * to protect: the lookup's timing depends on the SHA-256 of what the caller sent, which says
   * nothing about the stored hashes of other keys.
   */
  async authenticate(presented: string): Promise<string | null> {
    if (!API_KEY_SHAPE.test(presented)) return null;
    const record = await this.#repo.findActiveByHash(hashApiKey(presented));
    return record?.tenantId ?? null;
  }

  list(tenantId?: string): Promise<ApiKeyRecord[]> {
    if (tenantId !== undefined && !isTenantId(tenantId)) throw new ValidationError('tenant: 1-64 letters, digits, _ . - only');
    return this.#repo.list(tenantId === undefined ? {} : { tenantId });
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.#repo.revoke(id, new Date()))) throw new NotFoundError(`no active API key with id ${id}`, 'API_KEY_NOT_FOUND');
  }
}
