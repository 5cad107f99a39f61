/**
 * API keys as the layers above the store see them. A key is bound to one tenant; only the
 * SHA-256 of the key is stored (`keyHash`), plus a short prefix to tell keys apart in lists.
 * Unlike the tenant repositories, this one works across tenants: a request is authenticated
 * before its tenant is known (the key decides it), and the admin CLI manages every tenant's keys.
 */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string | null;
  /** The key's first characters (`cadre_ab12cd34`), shown in lists; never enough to use it. */
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ApiKeyRepository {
  create(fields: { tenantId: string; name: string | null; keyHash: string; prefix: string }): Promise<ApiKeyRecord>;
  /** The key with this hash, if it exists and is not revoked. */
  findActiveByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  /** Every key (of one tenant when given), oldest first, revoked ones included. */
  list(query?: { tenantId?: string }): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when there is no such key or it was revoked already. */
  revoke(id: string, at: Date): Promise<boolean>;
}
