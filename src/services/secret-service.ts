import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.ts';
import type { PageQuery, Slice, TenantRepositories } from '../domain/repositories.ts';
import { MAX_SECRETS_PER_TENANT, type TenantSecretInfo } from '../domain/tenant-secrets.ts';

export async function listSecrets(repos: TenantRepositories, query: PageQuery): Promise<Slice<TenantSecretInfo>> {
  return repos.secrets.list(query);
}

/**
 * Creates or replaces a secret. A tenant holds at most MAX_SECRETS_PER_TENANT: a new one past
 * it is refused (409). Counted again after the insert, so requests racing past the first count
 * cannot grow the tenant beyond the bound (the late ones are taken back and refused).
 */
export async function setSecret(repos: TenantRepositories, name: string, value: string): Promise<{ secret: TenantSecretInfo; created: boolean }> {
  const limitReached = () => new ConflictError(`name: this tenant already holds ${MAX_SECRETS_PER_TENANT} secrets (the most allowed); delete one first`, 'SECRETS_LIMIT_REACHED');
  const exists = (await repos.secrets.missing([name])).length === 0;
  if (!exists && (await repos.secrets.count()) >= MAX_SECRETS_PER_TENANT) throw limitReached();
  const result = await repos.secrets.set(name, value);
  if (result.created && (await repos.secrets.count()) > MAX_SECRETS_PER_TENANT) {
    await repos.secrets.delete(name);
    throw limitReached();
  }
  return result;
}

export async function deleteSecret(repos: TenantRepositories, name: string): Promise<void> {
  if (!(await repos.secrets.delete(name))) throw new NotFoundError(`secret "${name}" not found`, 'SECRET_NOT_FOUND');
}

/** A row naming secrets is refused when one does not exist (400 naming the field and the secret). */
export async function assertSecretsExist(repos: TenantRepositories, named: ReadonlyArray<{ field: string; name: string }>): Promise<void> {
  const missing = new Set(await repos.secrets.missing(named.map((n) => n.name)));
  const first = named.find((n) => missing.has(n.name));
  if (first) throw new ValidationError(`${first.field}: the secret "${first.name}" does not exist (create it with secrets/set)`, undefined, 'SECRET_NOT_FOUND');
}
